using FastProxy.Host.Cli;
using FastProxy.Policy;

namespace FastProxy.Host.Commands;

/// <summary>`fastproxy check --config FILE`: load, validate and compile (keys fetched, policy tests run) without serving.</summary>
internal static class CheckCommand
{
    public static async Task<int> RunAsync(CliInvocation cli)
    {
        var (config, baseDirectory) = ConfigFiles.Load(cli);
        if (config is null)
        {
            return 1;
        }

        if (TlsCertificateChecks.Report(config, baseDirectory, cli.ConfigPath) > 0)
        {
            return 1;
        }

        if (cli.NoAuth)
        {
            CliOutput.WriteLine($"fastproxy: {cli.ConfigPath}: configuration is valid ({config.Routes.Count} routes; policy not checked with --no-auth)");
            return 0;
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await PolicyCompiler.CompileAsync(config.ToPolicyDocument(), new PolicyCompileOptions { BaseDirectory = baseDirectory }, stop.Token);
        await using var compiled = result.Policy;
        foreach (var warning in result.Warnings)
        {
            Console.Error.WriteLine($"fastproxy: {cli.ConfigPath}: warning: {warning.Path}: {warning.Message}");
        }

        foreach (var error in result.Errors)
        {
            Console.Error.WriteLine($"fastproxy: {cli.ConfigPath}: {error.Path}: {error.Message}");
        }

        var failed = 0;
        foreach (var test in result.TestResults)
        {
            if (!test.Passed)
            {
                failed++;
                Console.Error.WriteLine($"fastproxy: {cli.ConfigPath}: tests: '{test.Name}' failed: expected {test.Expected}, got {test.Actual} ({test.Detail})");
            }
        }

        if (!result.Success || failed > 0)
        {
            return 1;
        }

        CliOutput.WriteLine($"fastproxy: {cli.ConfigPath}: configuration is valid ({config.Routes.Count} routes, {result.TestResults.Count} policy tests passed, policy version {result.Policy!.Version})");
        return 0;
    }
}
