using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace FastProxy.Host.Tests.Deploy;

/// <summary>
/// Reads the repository's deployment files (deploy/*.yaml, Dockerfile) from the source tree, found
/// by walking up from the test binaries to FastProxy.sln, and navigates their YAML documents.
/// </summary>
internal static class DeployFiles
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string DeployDirectory => Path.Combine(RepositoryRoot, "deploy");

    public static IReadOnlyList<string> ManifestPaths()
        => [.. Directory.GetFiles(DeployDirectory, "*.yaml").Order(StringComparer.Ordinal)];

    /// <summary>Every YAML document of every manifest, with the file it came from.</summary>
    public static IReadOnlyList<(string File, YamlMappingNode Document)> AllDocuments()
    {
        var documents = new List<(string, YamlMappingNode)>();
        foreach (var path in ManifestPaths())
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(path))
            {
                stream.Load(reader);
            }

            foreach (var document in stream.Documents)
            {
                var root = document.RootNode as YamlMappingNode
                    ?? throw new InvalidOperationException($"{path}: a manifest document must be a mapping");
                documents.Add((Path.GetFileName(path), root));
            }
        }

        return documents;
    }

    /// <summary>The single document of kind <paramref name="kind"/>; fails the test when there is none or several.</summary>
    public static YamlMappingNode Single(string kind)
    {
        var matches = AllDocuments().Where(d => string.Equals(Kind(d.Document), kind, StringComparison.Ordinal)).ToList();
        Assert.True(matches.Count == 1, $"expected exactly one {kind} under deploy/, found {matches.Count}");
        return matches[0].Document;
    }

    public static string Kind(YamlMappingNode document) => Scalar(document, "kind");

    public static string Dockerfile() => File.ReadAllText(Path.Combine(RepositoryRoot, "Dockerfile"));

    /// <summary>The node at a dotted path of mapping keys and sequence indexes ("spec.ports.0.name"); null when absent.</summary>
    public static YamlNode? Find(YamlNode node, string path)
    {
        YamlNode? current = node;
        foreach (var part in path.Split('.'))
        {
            current = current switch
            {
                YamlMappingNode map => map.Children.TryGetValue(new YamlScalarNode(part), out var child) ? child : null,
                YamlSequenceNode seq when int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < seq.Children.Count => seq.Children[i],
                _ => null,
            };
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    /// <summary>One mapping key taken literally (keys such as "fastproxy.yaml" hold dots); null when absent.</summary>
    public static YamlNode? Child(YamlNode? node, string key)
        => node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    public static string Scalar(YamlNode node, string path)
        => (Find(node, path) as YamlScalarNode)?.Value
            ?? throw new Xunit.Sdk.XunitException($"missing scalar '{path}'");

    public static int Int(YamlNode node, string path)
        => int.Parse(Scalar(node, path), NumberStyles.Integer, CultureInfo.InvariantCulture);

    public static YamlMappingNode Map(YamlNode node, string path)
        => Find(node, path) as YamlMappingNode
            ?? throw new Xunit.Sdk.XunitException($"missing mapping '{path}'");

    public static IReadOnlyList<YamlNode> Seq(YamlNode node, string path)
        => (Find(node, path) as YamlSequenceNode)?.Children.ToList()
            ?? throw new Xunit.Sdk.XunitException($"missing sequence '{path}'");

    /// <summary>A mapping of scalars (labels, selectors) as a dictionary.</summary>
    public static Dictionary<string, string> Labels(YamlNode node, string path)
        => Map(node, path).Children.ToDictionary(
            kv => ((YamlScalarNode)kv.Key).Value!,
            kv => ((YamlScalarNode)kv.Value).Value ?? "",
            StringComparer.Ordinal);

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "FastProxy.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("cannot find FastProxy.sln above " + AppContext.BaseDirectory);
    }
}
