using FastProxy.Host.Config;

namespace FastProxy.Host.Tests.Config;

/// <summary>Hostile or mangled files must end in errors, never in an exception.</summary>
public class ConfigLoaderFuzzTests
{
    private const string Alphabet = " \n\t:-[]{},'\"#&*!|>?%@`~0123456789abcxyz.\\/\u00e9\uFEFF\0";

    [Theory]
    [InlineData(true, 1)]
    [InlineData(true, 2)]
    [InlineData(true, 3)]
    [InlineData(false, 1)]
    [InlineData(false, 2)]
    [InlineData(true, 4)]
    [InlineData(true, 5)]
    [InlineData(false, 3)]
    public void LoadFromText_RandomlyMutatedSample_ErrorsNotExceptions(bool yaml, int seed)
    {
        var random = new Random(seed);
        var sample = yaml ? ConfigSamples.FullYaml : ConfigSamples.FullJson;
        for (var round = 0; round < 400; round++)
        {
            var chars = new System.Text.StringBuilder(sample);
            var edits = random.Next(1, 6);
            for (var e = 0; e < edits && chars.Length > 0; e++)
            {
                var at = random.Next(chars.Length);
                switch (random.Next(3))
                {
                    case 0:
                        chars.Remove(at, Math.Min(random.Next(1, 8), chars.Length - at));
                        break;
                    case 1:
                        chars.Insert(at, Alphabet[random.Next(Alphabet.Length)]);
                        break;
                    default:
                        chars[at] = Alphabet[random.Next(Alphabet.Length)];
                        break;
                }
            }

            var text = chars.ToString();
            var result = ConfigLoader.LoadFromText(text, "fuzz", yaml);

            Assert.True(result.Success || result.Errors.Count > 0, text);
            Assert.All(result.Errors, error => Assert.False(string.IsNullOrEmpty(error.Message)));
        }
    }

    [Theory]
    [InlineData("a: [")]
    [InlineData("{")]
    [InlineData("- - - -")]
    [InlineData("? ? ?")]
    [InlineData("&a [*a]")]
    [InlineData("!<tag:x> y")]
    [InlineData("%YAML 1.2\n---\na: 1")]
    [InlineData("%TAG ! tag:x,2000:\n---\na: !y 1")]
    [InlineData("a: b: c")]
    [InlineData("\"\\uD800\"")]
    [InlineData("listeners:\n  - address: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")]
    public void LoadFromText_OddYaml_ErrorsNotExceptions(string yaml)
    {
        var result = ConfigLoader.LoadFromText(yaml, "odd.yaml", isYaml: true);

        Assert.False(result.Success);
        Assert.NotEmpty(result.Errors);
    }
}
