using System.Diagnostics;

namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>Runs an independent command-line client (nghttp, h2load, ...) to its end, with a time limit.</summary>
public static class CliTool
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string file, TimeSpan timeout, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException ex)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within {timeout}:\n{await stdout}{await stderr}", ex);
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
