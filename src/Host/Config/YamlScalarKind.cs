namespace FastProxy.Host.Config;

/// <summary>What a plain YAML scalar resolves to under the YAML 1.2 core schema (§10.3.2).</summary>
internal enum YamlScalarKind : byte
{
    String,
    Null,
    True,
    False,
    Number,
}
