using FastProxy.Host.Commands;

namespace FastProxy.Host.Tests.Commands;

public sealed class FileChangePollerTests : IDisposable
{
    // Long enough that the timer never polls during a test: each test polls by hand.
    private static readonly TimeSpan Never = TimeSpan.FromHours(1);

    private readonly string _directory = Directory.CreateTempSubdirectory("fastproxy-poller-").FullName;
    private int _changes;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task PollOnce_NothingTouched_NoChange()
    {
        var config = Write("config.yaml", "a: 1");
        await using var poller = Watching(config);

        Assert.False(poller.PollOnce());
        Assert.Equal(0, _changes);
    }

    [Fact]
    public async Task PollOnce_FileRewrittenInPlace_OneChange()
    {
        var config = Write("config.yaml", "a: 1");
        await using var poller = Watching(config);

        await File.WriteAllTextAsync(config, "a: 22");

        Assert.True(poller.PollOnce());
        Assert.False(poller.PollOnce());
        Assert.Equal(1, _changes);
    }

    [Fact]
    public async Task PollOnce_SameSizeNewerWrite_Change()
    {
        var config = Write("config.yaml", "a: 1");
        await using var poller = Watching(config);

        await File.WriteAllTextAsync(config, "a: 2");
        File.SetLastWriteTimeUtc(config, DateTime.UtcNow.AddSeconds(5));

        Assert.True(poller.PollOnce());
    }

    [Fact]
    public async Task PollOnce_ReplacedByRename_Change()
    {
        // What editors and `kubectl`-managed files do: write a new file, rename it over the old one.
        var config = Write("config.yaml", "a: 1");
        await using var poller = Watching(config);

        var next = Write("config.yaml.tmp", "a: 1\nb: 2");
        File.Move(next, config, overwrite: true);

        Assert.True(poller.PollOnce());
    }

    [Fact]
    public async Task PollOnce_SymlinkRetargeted_Change()
    {
        // As a Kubernetes ConfigMap volume updates: the name is a symlink, and a new link is renamed over it.
        var first = Directory.CreateDirectory(Path.Combine(_directory, "v1")).FullName;
        var second = Directory.CreateDirectory(Path.Combine(_directory, "v2")).FullName;
        await File.WriteAllTextAsync(Path.Combine(first, "config.yaml"), "a: 1");
        await File.WriteAllTextAsync(Path.Combine(second, "config.yaml"), "a: 1\nb: 2");
        var config = Path.Combine(_directory, "config.yaml");
        File.CreateSymbolicLink(config, Path.Combine(first, "config.yaml"));
        await using var poller = Watching(config);

        var swap = Path.Combine(_directory, "config.yaml.swap");
        File.CreateSymbolicLink(swap, Path.Combine(second, "config.yaml"));
        File.Move(swap, config, overwrite: true);

        Assert.True(poller.PollOnce());
    }

    [Fact]
    public async Task PollOnce_FileDeletedThenRestored_ChangeEachTime()
    {
        var config = Write("config.yaml", "a: 1");
        await using var poller = Watching(config);

        File.Delete(config);
        Assert.True(poller.PollOnce());

        Write("config.yaml", "a: 1");
        Assert.True(poller.PollOnce());
        Assert.Equal(2, _changes);
    }

    [Fact]
    public async Task PollOnce_OtherFileInTheDirectoryWritten_NoChange()
    {
        // The reason for polling: an access log beside the configuration file is not a reason to wake up.
        var config = Write("config.yaml", "a: 1");
        var log = Write("access.log", "");
        await using var poller = Watching(config);

        for (var i = 0; i < 100; i++)
        {
            await File.AppendAllTextAsync(log, "GET / 200\n");
        }

        Assert.False(poller.PollOnce());
    }

    [Fact]
    public async Task Watch_PathAlreadyWatched_KeepsItsStamp()
    {
        // A change made between the last poll and a new watch list is still noticed.
        var config = Write("config.yaml", "a: 1");
        var key = Write("key.pem", "k1");
        await using var poller = Watching(config);

        await File.WriteAllTextAsync(config, "a: 1\nkey: key.pem");
        poller.Watch([config, key]);

        Assert.True(poller.PollOnce());
        Assert.Equal([config, key], poller.Paths.Order(StringComparer.Ordinal), StringComparer.Ordinal);
    }

    [Fact]
    public async Task Watch_PathDropped_NoLongerWatched()
    {
        var config = Write("config.yaml", "a: 1");
        var key = Write("key.pem", "k1");
        await using var poller = Watching(config, key);

        poller.Watch([config]);
        await File.WriteAllTextAsync(key, "k2 rotated");

        Assert.False(poller.PollOnce());
    }

    [Fact]
    public async Task Restamp_ChangeNotYetPolled_TakenAsSeen()
    {
        // A SIGHUP reload reads a file the poller has not looked at since it changed: no second reload for it.
        var config = Write("config.yaml", "a: 1");
        await using var poller = Watching(config);

        await File.WriteAllTextAsync(config, "a: 22");
        poller.Restamp();

        Assert.False(poller.PollOnce());
        Assert.Equal(0, _changes);
    }

    [Fact]
    public async Task Timer_FileChanged_CallbackWithoutManualPoll()
    {
        var config = Write("config.yaml", "a: 1");
        using var called = new SemaphoreSlim(0);
        await using var poller = new FileChangePoller(TimeSpan.FromMilliseconds(20), () => called.Release());
        poller.Watch([config]);

        await File.WriteAllTextAsync(config, "a: 22");

        Assert.True(await called.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private FileChangePoller Watching(params string[] paths)
    {
        var poller = new FileChangePoller(Never, () => Interlocked.Increment(ref _changes));
        poller.Watch(paths);
        return poller;
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
