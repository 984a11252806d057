using System.Threading.Channels;

namespace FastProxy.Host.Commands;

/// <summary>
/// Collects reload requests (SIGHUP, or the configuration file changing on disk) into one
/// signal. Bursts coalesce: editors write a file in several steps, so a change is acted on once
/// the file has been quiet for a moment.
/// </summary>
internal sealed class ReloadTrigger : IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);

    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly FileSystemWatcher? _watcher;

    public ReloadTrigger(string configPath)
    {
        var full = Path.GetFullPath(configPath);
        var directory = Path.GetDirectoryName(full);
        if (directory is null)
        {
            return;
        }

        // Kubernetes ConfigMaps swap a symlinked directory, so watch the directory, not the file.
        _watcher = new FileSystemWatcher(directory)
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            IncludeSubdirectories = false,
        };
        var name = Path.GetFileName(full);
        FileSystemEventHandler changed = (_, e) =>
        {
            if (string.Equals(e.Name, name, StringComparison.Ordinal) || e.Name?.StartsWith("..", StringComparison.Ordinal) == true)
            {
                Request();
            }
        };
        _watcher.Changed += changed;
        _watcher.Created += changed;
        _watcher.Renamed += (sender, e) => changed(sender, e);
        _watcher.EnableRaisingEvents = true;
    }

    public void Request() => _requests.Writer.TryWrite(true);

    /// <summary>Waits for the next reload request; false when <paramref name="stop"/> fired.</summary>
    public async Task<bool> WaitAsync(CancellationToken stop)
    {
        try
        {
            await _requests.Reader.ReadAsync(stop);
            await Task.Delay(Settle, stop);
            while (_requests.Reader.TryRead(out _))
            {
                // coalesced
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _watcher?.Dispose();
}
