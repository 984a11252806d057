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
        var lines = 1 + text.Count(c => c == '\n');
        foreach (var error in result.Errors)
        {
            Check(!string.IsNullOrWhiteSpace(error.Message), "every error says what is wrong");
            Check(error.Line is null || (error.Line >= 1 && error.Line <= lines + 1), $"an error's line {error.Line} lies inside the text ({lines} lines)");
        }

        var again = ConfigLoader.LoadFromText(text, "fuzz.conf", isYaml);
        Check(again.Success == result.Success && again.Errors.Count == result.Errors.Count, "loading is deterministic");
    }
}
