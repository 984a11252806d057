namespace FastProxy.Host.Commands;

/// <summary>
/// Notices that one of a set of files changed by comparing what <c>stat</c> says of each (present, size, last write)
/// on a timer. Polling rather than inotify: a directory watch wakes the process for every write to any file beside
/// the watched ones (an access log next to the configuration file cost a tenth of a core under load), and a watch on
/// the file itself misses editors and Kubernetes ConfigMaps that replace it. A handful of <c>stat</c> calls a second
/// costs nothing, and follows symlinks, renames and in-place writes alike.
/// </summary>
internal sealed class FileChangePoller : IAsyncDisposable
{
    private readonly Action _changed;
    private readonly TimeSpan _interval;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _polling;
    private Dictionary<string, FileStamp> _stamps = new(StringComparer.Ordinal);

    /// <param name="interval">Time between two polls.</param>
    /// <param name="changed">Called (on a thread-pool thread) once per poll that found any watched file changed.</param>
    public FileChangePoller(TimeSpan interval, Action changed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _interval = interval;
        _changed = changed;
        _polling = PollAsync();
    }

    /// <summary>
    /// Watches exactly <paramref name="paths"/> from now on. A path already watched keeps the stamp it had, so a change
    /// made between the last poll and this call is still noticed; a new path is stamped as it is now.
    /// </summary>
    public void Watch(IEnumerable<string> paths)
    {
        lock (_lock)
        {
            var next = new Dictionary<string, FileStamp>(StringComparer.Ordinal);
            foreach (var path in paths)
            {
                next[path] = _stamps.TryGetValue(path, out var stamp) ? stamp : FileStamp.Of(path);
            }

            _stamps = next;
        }
    }

    /// <summary>
    /// Takes every watched file as it is now, without a callback: called just before a reload reads them, so a
    /// change that reload picks up (one that a SIGHUP announced first, say) does not trigger a second one.
    /// </summary>
    public void Restamp()
    {
        lock (_lock)
        {
            foreach (var path in _stamps.Keys)
            {
                _stamps[path] = FileStamp.Of(path);
            }
        }
    }

    /// <summary>The paths watched now (for tests and diagnostics).</summary>
    public IReadOnlyCollection<string> Paths
    {
        get
        {
            lock (_lock)
            {
                return [.. _stamps.Keys];
            }
        }
    }

    /// <summary>Compares every watched file with its stamp once; true (and the callback) when any changed.</summary>
    public bool PollOnce()
    {
        var changed = false;
        lock (_lock)
        {
            foreach (var (path, stamp) in _stamps)
            {
                var now = FileStamp.Of(path);
                if (now != stamp)
                {
                    _stamps[path] = now;
                    changed = true;
                }
            }
        }

        if (changed)
        {
            _changed();
        }

        return changed;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _polling;
        _stop.Dispose();
    }

    private async Task PollAsync()
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                PollOnce();
            }
        }
        catch (OperationCanceledException)
        {
            // disposed
        }
    }

    /// <summary>
    /// What stat says of a file, and where its symlinks lead: a missing or unreadable file is a stamp too, so its
    /// return is a change.
    /// </summary>
    private readonly record struct FileStamp(bool Exists, long Length, long LastWriteTicks, int TargetHash)
    {
        public static FileStamp Of(string path)
        {
            try
            {
                // A symlink's own metadata can stay the same when it is retargeted (same target name length, same
                // coarse timestamp), as when a Kubernetes ConfigMap swaps its "..data" link: stamp the final target.
                FileSystemInfo info = new FileInfo(path);
                var target = 0;
                if (info.LinkTarget is not null)
                {
                    info = File.ResolveLinkTarget(path, returnFinalTarget: true) ?? info;
                    target = StringComparer.Ordinal.GetHashCode(info.FullName);
                }

                return info is FileInfo { Exists: true } file ? new FileStamp(true, file.Length, file.LastWriteTimeUtc.Ticks, target) : default;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return default;
            }
        }
    }
}
