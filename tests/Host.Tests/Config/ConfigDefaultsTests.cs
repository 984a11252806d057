using System.Text.Json.Serialization.Metadata;
using FastProxy.Host.Config;

namespace FastProxy.Host.Tests.Config;

public class ConfigDefaultsTests
{
    /// <summary>Guards against a record added to the model (here or in FastProxy.Policy.Config) without a default instance.</summary>
    [Fact]
    public void Fill_EveryObjectTypeInTheModel_HasDefaults()
    {
        var seen = new HashSet<Type>();
        Walk(ConfigJsonContext.Default.FastProxyConfig, seen);

        Assert.Contains(typeof(FastProxy.Policy.Config.RuleConfig), seen);
        Assert.True(seen.Count >= 18, $"walked {seen.Count} object types");
    }

    [Fact]
    public void Fill_DefaultsOfOneDocument_DoNotLeakIntoAnother()
    {
        var first = ConfigLoader.LoadFromText(ConfigSamples.MinimalYaml + "    match: { methods: [GET] }\n", "a.yaml", isYaml: true);
        var second = ConfigLoader.LoadFromText(ConfigSamples.MinimalYaml, "b.yaml", isYaml: true);

        Assert.Equal(["GET"], first.Config!.Routes[0].Match.Methods);
        Assert.Empty(second.Config!.Routes[0].Match.Methods);
        Assert.NotSame(first.Config.Limits, second.Config.Limits);
    }

    private static void Walk(JsonTypeInfo typeInfo, HashSet<Type> seen)
    {
        switch (typeInfo.Kind)
        {
            case JsonTypeInfoKind.Object:
                if (!seen.Add(typeInfo.Type))
                {
                    return;
                }

                var node = new System.Text.Json.Nodes.JsonObject();
                ConfigDefaults.Fill(node, typeInfo, "", new LineMap());
                Assert.Equal(typeInfo.Properties.Count, node.Count);
                foreach (var property in typeInfo.Properties)
                {
                    Walk(typeInfo.Options.GetTypeInfo(property.PropertyType), seen);
                }

                break;
            case JsonTypeInfoKind.Enumerable:
            case JsonTypeInfoKind.Dictionary:
                Walk(typeInfo.Options.GetTypeInfo(typeInfo.ElementType!), seen);
                break;
        }
    }
}
