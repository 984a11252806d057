namespace FastProxy.Fuzz;

/// <summary>
/// One fuzzing target: runs one input through the code under test and checks its properties. A broken property
/// throws <see cref="PropertyViolationException"/>; any other exception escaping <see cref="Run"/> is a finding too
/// (the code under test threw where it must answer with an error result). Expected rejections are not exceptions.
/// </summary>
public interface IFuzzTarget
{
    /// <summary>The name tools/fuzz/run.sh and the corpus folder use (tests/Fuzz/corpus/NAME).</summary>
    string Name { get; }

    void Run(ReadOnlySpan<byte> input);
}
