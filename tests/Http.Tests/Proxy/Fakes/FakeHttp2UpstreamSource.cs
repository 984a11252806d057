using System.Collections.Concurrent;
using System.Net;
using FastProxy.Core.Upstream;
using FastProxy.Http.Http2.Client;

namespace FastProxy.Http.Tests.Proxy.Fakes;

/// <summary>
/// An HTTP/2 endpoint's stream source for tests: each open hands out the next scripted stream (a new
/// <see cref="FakeHttp2UpstreamStream"/> when none is queued), or throws a scripted connect or overload failure.
/// </summary>
internal sealed class FakeHttp2UpstreamSource : IHttp2UpstreamStreamSource
{
    private readonly ConcurrentQueue<Func<FakeHttp2UpstreamStream>> _script = new();
    private readonly TaskCompletionSource _firstOpened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<FakeHttp2UpstreamStream> Opened { get; } = new();

    /// <summary>The first stream opened (waits for it).</summary>
    public async Task<FakeHttp2UpstreamStream> FirstAsync()
    {
        await _firstOpened.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Opened.TryPeek(out var first);
        return first!;
    }

    public void Enqueue(FakeHttp2UpstreamStream stream) => _script.Enqueue(() => stream);

    public void EnqueueConnectFailure() => _script.Enqueue(() => throw new UpstreamConnectException(new IPEndPoint(IPAddress.Loopback, 1), isTimeout: false, "connection refused"));

    public void EnqueueOverload() => _script.Enqueue(() => throw new UpstreamQueueFullException());

    public int OpenConnections => 1;

    public int ActiveStreams => 0;

    public int PendingRequests => 0;

    public ValueTask<IHttp2UpstreamStream> OpenStreamAsync(CancellationToken ct)
    {
        var stream = _script.TryDequeue(out var next) ? next() : new FakeHttp2UpstreamStream();
        Opened.Enqueue(stream);
        _firstOpened.TrySetResult();
        return ValueTask.FromResult<IHttp2UpstreamStream>(stream);
    }

    public void Sweep()
    {
    }

    public ValueTask DisposeAsync() => default;
}
