using System.Buffers;
using FastProxy.Http.Http1;
using static FastProxy.Fuzz.PropertyViolationException;

namespace FastProxy.Fuzz.Targets;

/// <summary>
/// Not a parser: proves the fuzzing pipeline reports a broken property. It fails on the input "crash"; the smoke run
/// gives AFL++ "crash" as a seed and expects its dry run to report a crash (tools/fuzz/run.sh selftest).
/// </summary>
public sealed class CanaryTarget : IFuzzTarget
{
    public string Name => "canary";

    public void Run(ReadOnlySpan<byte> input)
    {
        // The harness itself is not instrumented: run some instrumented code so AFL++ sees coverage at all.
        Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(input.ToArray()), new Http1RequestHead(), Http1Limits.Default, out _, out _);
        Check(!input.SequenceEqual("crash"u8), "the canary input is reported as a crash");
    }
}
