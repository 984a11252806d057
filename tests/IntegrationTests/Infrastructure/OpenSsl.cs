using System.Diagnostics;

namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary><c>openssl s_client</c> as an independent TLS client (test.sh installs openssl).</summary>
public static class OpenSsl
{
    /// <summary>
    /// Connects to <paramref name="port"/> on 127.0.0.1 with <paramref name="args"/>, sends <paramref name="input"/>
    /// (then end of input), and returns the exit code and everything printed.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> SClientAsync(int port, string input, params string[] args)
    {
        var info = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("s_client");
        info.ArgumentList.Add("-connect");
        info.ArgumentList.Add($"127.0.0.1:{port}");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
