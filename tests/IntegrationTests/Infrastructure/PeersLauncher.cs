using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// bench/load/fastproxy-peers.sh run as the peers harness runs it (PEERS_RUN_DIR set, the rest from the environment):
/// the proxy it execs runs in the foreground until <see cref="Dispose"/>.
/// </summary>
public sealed class PeersLauncher : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private PeersLauncher(Process process)
    {
        _process = process;
    }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static PeersLauncher Start(string runDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var root = RepositoryRoot();
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = root };
        info.ArgumentList.Add(Path.Combine(root, "bench", "load", "fastproxy-peers.sh"));
        info.Environment["PEERS_RUN_DIR"] = runDirectory;
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var launcher = new PeersLauncher(new Process { StartInfo = info });
        launcher._process.OutputDataReceived += (_, e) => launcher.Append(e.Data);
        launcher._process.ErrorDataReceived += (_, e) => launcher.Append(e.Data);
        launcher._process.Start();
        launcher._process.BeginOutputReadLine();
        launcher._process.BeginErrorReadLine();
        return launcher;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until something accepts connections on <paramref name="port"/>.</summary>
    public async Task WaitListeningAsync(int port)
    {
        for (var attempt = 0; attempt < 600 && !_process.HasExited; attempt++)
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

        throw new InvalidOperationException($"the launcher's proxy did not listen on {port}:\n{Log}");
    }

    /// <summary>Waits (bounded) for the launcher to end, e.g. when it refuses its environment or execs a stand-in binary.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
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

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
