using FastProxy.Host.Cli;
using FastProxy.Host.Config;
using FastProxy.Policy;

namespace FastProxy.Host.Commands;

/// <summary>`fastproxy policy test FILE` and `fastproxy policy explain ...`.</summary>
internal static class PolicyCommands
{
    public static async Task<int> TestAsync(CliInvocation cli)
    {
        var loaded = ConfigLoader.Load(cli.PolicyFile!);
        if (!loaded.Success || loaded.Config is null)
        {
            foreach (var error in loaded.Errors)
            {
                Console.Error.WriteLine($"fastproxy: {error}");
            }

            return 1;
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (compile, tests) = await PolicyTestRunner.RunAsync(loaded.Config.ToPolicyDocument(), new PolicyCompileOptions { BaseDirectory = loaded.BaseDirectory }, stop.Token);
        foreach (var error in compile.Errors)
        {
            Console.Error.WriteLine($"fastproxy: {cli.PolicyFile}: {error.Path}: {error.Message}");
        }

        if (compile.Errors.Count > 0)
        {
            return 1;
        }

        var failed = 0;
        foreach (var test in tests)
        {
            if (test.Passed)
            {
                CliOutput.WriteLine($"PASS  {test.Name}: {test.Actual}");
            }
            else
            {
                failed++;
                CliOutput.WriteLine($"FAIL  {test.Name}: expected {test.Expected}, got {test.Actual} ({test.Detail})");
            }
        }

        CliOutput.WriteLine($"{tests.Count - failed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    public static async Task<int> ExplainAsync(CliInvocation cli)
    {
        var (config, baseDirectory) = ConfigFiles.Load(cli);
        if (config is null)
        {
            return 1;
        }

        // A token needs the provider's keys to be checked; claims stand for a validated token.
        var options = new PolicyCompileOptions { BaseDirectory = baseDirectory, FetchKeys = cli.ExplainToken is not null, RunTests = false };
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var compile = await PolicyCompiler.CompileAsync(config.ToPolicyDocument(), options, stop.Token);
        await using var policy = compile.Policy;
        foreach (var error in compile.Errors)
        {
            Console.Error.WriteLine($"fastproxy: {cli.ConfigPath}: {error.Path}: {error.Message}");
        }

        if (policy is null)
        {
            return 1;
        }

        foreach (var line in PolicyExplainer.Explain(policy, cli.ExplainRequest!, cli.ExplainToken ?? cli.ExplainClaims))
        {
            CliOutput.WriteLine(line);
        }

        return 0;
    }
}
