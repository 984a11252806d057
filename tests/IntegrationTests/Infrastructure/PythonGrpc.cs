using System.Diagnostics;
using System.Text.Json.Nodes;

namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// clients/grpc_echo.py on python3-grpcio (Debian's, under /usr/bin/python3): a second gRPC client we did not write,
/// calling the echo service with hand-encoded protobuf messages.
/// </summary>
public static class PythonGrpc
{
    private const string Python = "/usr/bin/python3";

    /// <summary>Runs one call against 127.0.0.1:<paramref name="port"/> and returns the script's JSON result.</summary>
    public static async Task<JsonObject> CallAsync(int port, JsonObject spec)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "clients", "grpc_echo.py"));
        info.ArgumentList.Add($"127.0.0.1:{port}");
        info.ArgumentList.Add(spec.ToJsonString());

        // grpcio would otherwise honour a proxy from the environment.
        info.Environment["no_grpc_proxy"] = "*";
        info.Environment.Remove("http_proxy");
        info.Environment.Remove("https_proxy");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var text = await stdout;
        if (process.ExitCode != 0 || string.IsNullOrWhiteSpace(text))
        {
            throw new InvalidOperationException($"grpc_echo.py exited {process.ExitCode}:\n{text}\n{await stderr}");
        }

        return JsonNode.Parse(text)!.AsObject();
    }
}
