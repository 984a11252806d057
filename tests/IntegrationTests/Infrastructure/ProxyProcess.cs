using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// Runs the real `fastproxy` executable as a child process on a config written to a temp dir:
/// the build's fastproxy.dll through `dotnet`, or the binary named by FASTPROXY_BINARY (the
/// native AOT publish in CI). Waits for its "listening on" line to learn the port.
/// </summary>
public sealed partial class ProxyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ProxyProcess(Process process, string directory)
    {
        _process = process;
        Directory = directory;
    }

    public string Directory { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public int Pid => _process.Id;

    /// <summary>Everything the process printed so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The configuration file the process was started with (rewrite it and send HUP to reload).</summary>
    public string ConfigPath { get; private set; } = "";

    public static Task<ProxyProcess> StartAsync(string configJson, params string[] extraArgs) =>
        StartWithFileAsync("fastproxy.json", configJson, extraArgs);

    /// <summary>Starts through <paramref name="launcher"/> (a program that execs its arguments, such as nohup).</summary>
    public static async Task<ProxyProcess> StartUnderAsync(string launcher, string configJson)
    {
        var directory = Path.Combine(Path.GetTempPath(), "fastproxy-it-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var configPath = Path.Combine(directory, "fastproxy.json");
        await File.WriteAllTextAsync(configPath, configJson);
        var proxy = Launch(directory, ["run", "--config", configPath], launcher);
        proxy.BaseAddress = await proxy._listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        proxy.ConfigPath = configPath;
        return proxy;
    }

    /// <summary>Starts on a config file named <paramref name="fileName"/> (its extension picks the format: .yaml or .json).</summary>
    public static async Task<ProxyProcess> StartWithFileAsync(string fileName, string configText, params string[] extraArgs)
    {
        var directory = Path.Combine(Path.GetTempPath(), "fastproxy-it-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var configPath = Path.Combine(directory, fileName);
        await File.WriteAllTextAsync(configPath, configText);
        var proxy = Launch(directory, ["run", "--config", configPath, .. extraArgs]);
        var listening = await proxy._listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        proxy.BaseAddress = listening;
        proxy.ConfigPath = configPath;
        return proxy;
    }

    /// <summary>Runs a one-shot command (check, policy test, ...) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToEndAsync(params string[] args)
    {
        var proxy = Launch(Path.GetTempPath(), args);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await proxy._process.WaitForExitAsync(timeout.Token);
        return (proxy._process.ExitCode, proxy.Output);
    }

    /// <summary>
    /// The ports of the first <paramref name="count"/> listeners, in config order: the process is returned once it
    /// announced its first listener, so the other lines may still be on their way.
    /// </summary>
    public async Task<int[]> ListeningPortsAsync(int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var ports = ListeningPorts().Matches(Output).Select(m => int.Parse(m.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            if (ports.Length >= count)
            {
                return ports[..count];
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException($"fewer than {count} listening lines:\n{Output}");
    }

    /// <summary>Waits until the process has printed <paramref name="text"/> (its log is written asynchronously).</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    /// <summary>Sends a POSIX signal by name ("HUP", "TERM") with the system's kill(1).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    private static ProxyProcess Launch(string directory, string[] args, string? launcher = null)
    {
        var binary = Environment.GetEnvironmentVariable("FASTPROXY_BINARY");
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        if (launcher is not null)
        {
            info.FileName = launcher;
            info.ArgumentList.Add(string.IsNullOrEmpty(binary) ? "dotnet" : binary);
        }
        else
        {
            info.FileName = string.IsNullOrEmpty(binary) ? "dotnet" : binary;
        }

        if (string.IsNullOrEmpty(binary))
        {
            info.ArgumentList.Add(HostBuildOutput());
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var proxy = new ProxyProcess(process, directory);
        process.OutputDataReceived += (_, e) => proxy.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => proxy.OnLine(e.Data);
        process.Exited += (_, _) => proxy._listening.TrySetException(new InvalidOperationException("fastproxy exited before listening:\n" + proxy.Output));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return proxy;
    }

    /// <summary>
    /// The Host project's own build output (same configuration as the tests): run from there it
    /// has exactly its own dependencies, not the ASP.NET framework this test project loads.
    /// </summary>
    private static string HostBuildOutput()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testBin.Name;
        var configuration = testBin.Parent!.Name;
        var root = testBin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "FastProxy.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException("cannot find FastProxy.sln above " + AppContext.BaseDirectory);
        }

        return Path.Combine(root.FullName, "src", "Host", "bin", configuration, framework, "fastproxy.dll");
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        var match = ListeningLine().Match(line);
        if (match.Success)
        {
            _listening.TrySetResult(new Uri(match.Groups["url"].Value));
        }
    }

    [GeneratedRegex(@"^fastproxy: listening on (?<url>https?://\S+)", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"^fastproxy: listening on https?://[^\s]+:(?<port>\d+)\s*$", RegexOptions.ExplicitCapture | RegexOptions.Multiline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ListeningPorts();
}
