using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// The peers launcher (bench/load/fastproxy-peers.sh) with <c>PEERS_UPSTREAM_TLS</c> / <c>PEERS_UPSTREAM_CA</c>, as
/// ../shared/bench/peers/README.md documents them: the api route's cluster is that TLS upstream, SNI <c>localhost</c>,
/// verified against the CA bundle. Runs the script as the harness does and drives it with curl.
/// </summary>
public sealed class PeersLauncherUpstreamTlsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestPkiFiles _pki = null!;
    private NginxTlsUpstream _nginx = null!;
    private string _runDirectory = null!;

    public async Task InitializeAsync()
    {
        _pki = TestPkiFiles.Create();
        _nginx = await NginxTlsUpstream.StartAsync(_pki.ServerChain, _pki.ServerKey, _pki.ClientCa);
        _runDirectory = Directory.CreateTempSubdirectory("fastproxy-peers-run-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _nginx.DisposeAsync();
        _pki.Dispose();
        Directory.Delete(_runDirectory, recursive: true);
    }

    [Fact]
    public async Task Launcher_UpstreamTls_ApiRouteReachesTheTlsUpstreamWithSniLocalhost()
    {
        var port = FreePort();
        using var launcher = Start(new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["FASTPROXY_H1_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["FASTPROXY_H2C_PORT"] = "0",
            ["PEERS_UPSTREAM_TLS"] = $"https://{_nginx.Endpoint}",
            ["PEERS_UPSTREAM_CA"] = _pki.RootCa,
        }, out var log);
        try
        {
            await WaitListeningAsync(port, launcher, log);

            var (exit, text) = await Curl.RunAsync("-sS", $"http://127.0.0.1:{port}/api/hello");

            Assert.True(exit == 0, text);
            Assert.StartsWith("proto=TLSv1.3 sni=localhost ", text, StringComparison.Ordinal);
            var config = await File.ReadAllTextAsync(Path.Combine(_runDirectory, "fastproxy.json"));
            Assert.Contains($"\"endpoints\": [ \"{_nginx.Endpoint}\" ], \"tls\": {{ \"server_name\": \"localhost\", \"ca\": \"{_pki.RootCa}\" }}", config, StringComparison.Ordinal);
        }
        finally
        {
            Stop(launcher);
            output.WriteLine(Text(log));
        }
    }

    [Fact]
    public async Task Launcher_UpstreamTlsWithoutCa_RefusesToStart()
    {
        using var launcher = Start(new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["FASTPROXY_H1_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["FASTPROXY_H2C_PORT"] = "0",
            ["PEERS_UPSTREAM_TLS"] = $"https://{_nginx.Endpoint}",
        }, out var log);

        await launcher.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, launcher.ExitCode);
        Assert.Contains("PEERS_UPSTREAM_CA", Text(log), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Launcher_UpstreamTlsNotHttps_RefusesToStart()
    {
        using var launcher = Start(new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["FASTPROXY_H1_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["FASTPROXY_H2C_PORT"] = "0",
            ["PEERS_UPSTREAM_TLS"] = $"http://{_nginx.Endpoint}",
            ["PEERS_UPSTREAM_CA"] = _pki.RootCa,
        }, out var log);

        await launcher.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, launcher.ExitCode);
        Assert.Contains("must be https://HOST:PORT", Text(log), StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FastProxy.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("FastProxy.sln not found above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Text(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    private static async Task WaitListeningAsync(int port, Process launcher, StringBuilder log)
    {
        for (var attempt = 0; attempt < 600 && !launcher.HasExited; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException("the launcher's proxy did not listen: " + Text(log));
    }

    /// <summary>Runs the launcher as the harness does (PEERS_RUN_DIR set, --no-auth so no token is needed).</summary>
    private Process Start(Dictionary<string, string> environment, out StringBuilder log)
    {
        var root = RepositoryRoot();
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        info.ArgumentList.Add(Path.Combine(root, "bench", "load", "fastproxy-peers.sh"));
        info.Environment["PEERS_RUN_DIR"] = _runDirectory;
        info.Environment["FASTPROXY_ARGS"] = "--no-auth";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var captured = new StringBuilder();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(captured, e.Data);
        process.ErrorDataReceived += (_, e) => Append(captured, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        log = captured;
        return process;
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }
}
