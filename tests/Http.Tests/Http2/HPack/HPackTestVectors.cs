using System.Text.Json;

namespace FastProxy.Http.Tests.Http2.HPack;

/// <summary>
/// The public HPACK test vectors (http2jp/hpack-test-case, MIT) kept beside the repository in ../shared/testdata/hpack
/// (27 MB, so not copied in). FASTPROXY_HPACK_VECTORS overrides the location.
/// </summary>
internal static class HPackTestVectors
{
    public static string Root { get; } = FindRoot();

    /// <summary>Every story that carries encoded wire data: (implementation folder, file name).</summary>
    public static TheoryData<string, string> EncodedStories() => Stories(encoded: true);

    /// <summary>Every story's header lists, raw-data included, for encoder round trips.</summary>
    public static TheoryData<string, string> AllStories() => Stories(encoded: false);

    public static Story Load(string folder, string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Root, folder, file)));
        var cases = new List<StoryCase>();
        foreach (var item in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            int? tableSize = item.TryGetProperty("header_table_size", out var size) ? size.GetInt32() : null;
            var wire = item.TryGetProperty("wire", out var hex) ? Convert.FromHexString(hex.GetString()!) : null;
            var headers = new List<(string, string)>();
            foreach (var header in item.GetProperty("headers").EnumerateArray())
            {
                foreach (var property in header.EnumerateObject())
                {
                    headers.Add((property.Name, property.Value.GetString()!));
                }
            }

            cases.Add(new StoryCase(tableSize, wire, headers));
        }

        return new Story(cases);
    }

    private static TheoryData<string, string> Stories(bool encoded)
    {
        var data = new TheoryData<string, string>();
        foreach (var folder in Directory.GetDirectories(Root).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(folder);
            if (encoded && string.Equals(name, "raw-data", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var file in Directory.GetFiles(folder, "story_*.json").Order(StringComparer.Ordinal))
            {
                data.Add(name, Path.GetFileName(file));
            }
        }

        return data;
    }

    private static string FindRoot()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("FASTPROXY_HPACK_VECTORS");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        // Walk up from the test binaries to the checkout (the folder with FastProxy.sln); the vectors are beside it.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FastProxy.sln")))
            {
                var candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "testdata", "hpack"));
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException("HPACK test vectors not found: expected ../shared/testdata/hpack beside the checkout, or set FASTPROXY_HPACK_VECTORS");
    }

    internal sealed record Story(List<StoryCase> Cases)
    {
        /// <summary>The largest SETTINGS_HEADER_TABLE_SIZE any case of the story uses (4096 when none says).</summary>
        public int MaxTableSize
        {
            get
            {
                var max = 4096;
                foreach (var c in Cases)
                {
                    max = Math.Max(max, c.HeaderTableSize ?? 0);
                }

                return max;
            }
        }
    }

    internal sealed record StoryCase(int? HeaderTableSize, byte[]? Wire, List<(string Name, string Value)> Headers);
}
