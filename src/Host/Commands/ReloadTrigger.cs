using System.Threading.Channels;

namespace FastProxy.Host.Commands;

/// <summary>
/// Collects reload requests (SIGHUP, or the configuration file or a file it names changing on disk) into one
/// signal. Bursts coalesce: editors write a file in several steps, so a change is acted on once the files have been
/// quiet for a moment.
/// </summary>
internal sealed class ReloadTrigger : IAsyncDisposable
{
    /// <summary>How often the watched files are compared with what they were: a change is acted on within this plus
    /// <see cref="Settle"/>.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);

    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly FileChangePoller _files;

    public ReloadTrigger(IEnumerable<string> watchedFiles)
    {
        _files = new FileChangePoller(PollInterval, Request);
        _files.Watch(watchedFiles);
    }

    /// <summary>Watches these files from now on (the configuration file and the files the loaded configuration names).</summary>
    public void Watch(IEnumerable<string> files) => _files.Watch(files);

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

            // The reload about to run reads the files as they are now: a change the poller has not seen yet is
            // part of it, not a reason for another one.
            _files.Restamp();
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => _files.DisposeAsync();
}
