using static FastProxy.Fuzz.PropertyViolationException;

namespace FastProxy.Fuzz.Targets;

/// <summary>
/// Not a parser: proves the fuzzing pipeline reports a broken property. It fails on the input "crash"; the smoke run
/// seeds it with "crasg" and expects AFL++ to find and save the crash within seconds (tools/fuzz/run.sh selftest).
/// </summary>
public sealed class CanaryTarget : IFuzzTarget
{
    public string Name => "canary";

    public void Run(ReadOnlySpan<byte> input) => Check(!input.SequenceEqual("crash"u8), "the canary input is reported as a crash");
}
