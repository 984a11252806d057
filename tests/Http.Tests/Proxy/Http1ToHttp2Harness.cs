using System.Net;
using FastProxy.Core.Gate;
using FastProxy.Core.Routing;
using FastProxy.Core.Timing;
using FastProxy.Core.Transport;
using FastProxy.Core.Transport.Epoll;
using FastProxy.Core.Upstream;
using FastProxy.Http.Proxy;
using FastProxy.Http.Tests.Proxy.Fakes;
using FastProxy.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Http.Tests.Proxy;

/// <summary>
/// The HTTP/1.1 proxy connection on a loopback listener whose cluster speaks HTTP/2 through a
/// <see cref="FakeHttp2UpstreamSource"/>. Routes: grpc.test "/**" (marked `grpc: true`), any other host "/**".
/// </summary>
internal sealed class Http1ToHttp2Harness : IAsyncDisposable
{
    private readonly ConnectionListener _listener;
    private readonly UpstreamCluster _cluster;
    private readonly Heartbeat _heartbeat;

    private Http1ToHttp2Harness(ConnectionListener listener, UpstreamCluster cluster, Heartbeat heartbeat, FakeHttp2UpstreamSource source, InProcessProxy.RecordingObserver observer)
    {
        _listener = listener;
        _cluster = cluster;
        _heartbeat = heartbeat;
        Source = source;
        Observer = observer;
    }

    public FakeHttp2UpstreamSource Source { get; }

    public InProcessProxy.RecordingObserver Observer { get; }

    public static async Task<Http1ToHttp2Harness> StartAsync(IRequestGate? gate = null, Http1ProxyOptions? options = null)
    {
        var heartbeat = new Heartbeat(TimeProvider.System, TimeSpan.FromMilliseconds(100));
        var connections = new SocketConnectionOptions { Heartbeat = heartbeat, Epoll = EpollEngine.Shared() };
        var source = new FakeHttp2UpstreamSource();
        var pool = new UpstreamPoolOptions { ConnectionOptions = connections, Protocol = UpstreamProtocol.Http2, MultiplexedPoolFactory = _ => source };
        var cluster = new UpstreamCluster("h2", [new IPEndPoint(IPAddress.Loopback, 9)], BalancePolicy.RoundRobin, pool, TimeProvider.System, NullLogger.Instance);
        var observer = new InProcessProxy.RecordingObserver();
        var runtime = new ProxyRuntime(new RouteTable([new RouteSpec("grpc.test", "/**", null), new RouteSpec(null, "/**", null)]), ["grpc", "all"], [cluster, cluster], gate ?? AllowAllGate.Instance, observer: observer)
        {
            GrpcByRoute = [true, false],
        };
        var handler = new Http1ConnectionHandler(() => runtime, options ?? new Http1ProxyOptions(), NullLogger.Instance);
        var listener = new ConnectionListener(new ConnectionListenerOptions { Endpoints = [LoopbackHelpers.AnyPortV4], ConnectionOptions = connections }, handler.HandleAsync, NullLogger.Instance);
        await listener.StartAsync(CancellationToken.None);
        return new Http1ToHttp2Harness(listener, cluster, heartbeat, source, observer);
    }

    public async Task<TestPeer> ConnectAsync() => new(await LoopbackHelpers.ConnectAsync(_listener.BoundEndPoints[0]));

    public Task SettledAsync(int records) => LoopbackHelpers.WaitUntilAsync(() => Observer.Records.Count >= records, $"{records} records");

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync();
        await _cluster.DisposeAsync();
        _heartbeat.Dispose();
    }
}
