namespace FastProxy.Fuzz.Tests;

/// <summary>
/// The CI half of the fuzzing smoke: every committed seed (tests/Fuzz/corpus/TARGET/*) runs through its target's
/// property checks, so a regression that breaks a property on a known input fails the normal suite, without AFL++.
/// </summary>
public sealed class CorpusReplayTests
{
    public static TheoryData<string> Targets()
    {
        var data = new TheoryData<string>();
        foreach (var target in FuzzTargets.All)
        {
            data.Add(target.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Corpus_EveryFile_HoldsTheTargetsProperties(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var directory = Path.Combine(AppContext.BaseDirectory, "corpus", name);
        Assert.True(Directory.Exists(directory), $"no seed corpus for {name} at {directory}");
        var files = Directory.GetFiles(directory);
        Assert.NotEmpty(files);
        var output = new StringWriter();
        var result = Replay.Run(target, files, output);
        Assert.True(result == 0, output.ToString());
    }

    [Fact]
    public void JwtTarget_ValidToken_IsAccepted()
    {
        // The mutation properties only mean something if the unmutated token passes.
        FastProxy.Fuzz.Targets.JwtTarget.SelfTest();
    }
}
