using System.Text;
using FastProxy.Host.Config;
using static FastProxy.Fuzz.PropertyViolationException;

namespace FastProxy.Fuzz.Targets;

/// <summary>
/// The config loader (YAML and JSON; the first input byte picks which). Properties: it answers with a
/// <see cref="ConfigLoadResult"/> and never throws; a result is a config or errors, never both or neither; every error
/// says what is wrong and points at a line inside the text; loading the same text twice gives the same answer.
/// </summary>
public sealed class ConfigTarget : IFuzzTarget
{
    public string Name => "config";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var isYaml = (input[0] & 1) == 0;
        var text = Encoding.UTF8.GetString(input[1..]);
        var result = ConfigLoader.LoadFromText(text, "fuzz.conf", isYaml);
        Check(result.Success == (result.Errors.Count == 0), "a load gives a config or errors, not both or neither");
        var lines = LineCount(text);
        foreach (var error in result.Errors)
        {
            Check(!string.IsNullOrWhiteSpace(error.Message), "every error says what is wrong");
            Check(error.Line is null || (error.Line >= 1 && error.Line <= lines + 1), $"an error's line {error.Line} lies inside the text ({lines} lines)");
        }

        var again = ConfigLoader.LoadFromText(text, "fuzz.conf", isYaml);
        Check(again.Success == result.Success && again.Errors.Count == result.Errors.Count, "loading is deterministic");
    }

    /// <summary>
    /// Lines counted with every line break an editor may honour: CR LF, a lone CR, LF, NEL, LS and PS. The YAML parser
    /// counts all of them (YAML 1.1 §5.4), and System.Text.Json ends a // comment at a lone CR and counts that as a line.
    /// </summary>
    private static int LineCount(string text)
    {
        var lines = 1;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '\r':
                    if (i + 1 < text.Length && text[i + 1] == '\n')
                    {
                        i++;
                    }

                    lines++;
                    break;
                case '\n' or '\u0085' or '\u2028' or '\u2029':
                    lines++;
                    break;
            }
        }

        return lines;
    }
}
