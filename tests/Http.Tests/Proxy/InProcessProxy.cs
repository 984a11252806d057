using System.Collections.Concurrent;
using System.Net;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Core.Limits;
using FastProxy.Core.Observability;
using FastProxy.Core.Routing;
using FastProxy.Core.Timing;
using FastProxy.Core.Transport;
using FastProxy.Core.Transport.Epoll;
using FastProxy.Core.Upstream;
using FastProxy.Http.Proxy;
using FastProxy.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Http.Tests.Proxy;

/// <summary>
/// The HTTP/1.1 proxy connection in this process: a listener on a loopback ephemeral port serving every path through
/// one cluster of one endpoint, with the allow-all gate and an observer that keeps every request record.
/// </summary>
internal sealed class InProcessProxy : IAsyncDisposable
{
    private readonly ConnectionListener _listener;
    private readonly UpstreamCluster _cluster;
    private readonly Heartbeat _heartbeat;

    private InProcessProxy(ConnectionListener listener, UpstreamCluster cluster, Heartbeat heartbeat, RecordingObserver observer)
    {
        _listener = listener;
        _cluster = cluster;
        _heartbeat = heartbeat;
        Observer = observer;
    }

    public RecordingObserver Observer { get; }

    public UpstreamEndpoint Endpoint => _cluster.Endpoints[0];

    public static async Task<InProcessProxy> StartAsync(EndPoint upstream, Http1ProxyOptions? options = null, ConnectionHandler? http2 = null, RequestRateLimit requestRate = default)
    {
        // As the host wires it: deadlines need a heartbeat, and both sides run on the epoll engine.
        var heartbeat = new Heartbeat(TimeProvider.System, TimeSpan.FromMilliseconds(100));
        var connections = new SocketConnectionOptions { Heartbeat = heartbeat, Epoll = EpollEngine.Shared() };
        var pool = new UpstreamPoolOptions { ConnectionOptions = connections };
        var cluster = new UpstreamCluster("test", [upstream], BalancePolicy.RoundRobin, pool, TimeProvider.System, NullLogger.Instance);
        var observer = new RecordingObserver();
        var runtime = new ProxyRuntime(new RouteTable([new RouteSpec(null, "/**", null)]), ["all"], [cluster], AllowAllGate.Instance, observer: observer)
        {
            RequestRate = requestRate,
        };
        var handler = new Http1ConnectionHandler(() => runtime, options ?? new Http1ProxyOptions(), NullLogger.Instance, http2);
        var listener = new ConnectionListener(new ConnectionListenerOptions { Endpoints = [LoopbackHelpers.AnyPortV4], ConnectionOptions = connections }, handler.HandleAsync, NullLogger.Instance);
        await listener.StartAsync(CancellationToken.None);
        return new InProcessProxy(listener, cluster, heartbeat, observer);
    }

    public async Task<TestPeer> ConnectAsync() => new(await LoopbackHelpers.ConnectAsync(_listener.BoundEndPoints[0]));

    /// <summary>Waits until every upstream lease is back and no request is in progress (the records are all out).</summary>
    public Task SettledAsync(int records) => LoopbackHelpers.WaitUntilAsync(
        () => Endpoint.Outstanding == 0 && Observer.Records.Count >= records,
        $"{records} records and no lease out (outstanding {Endpoint.Outstanding}, records {Observer.Records.Count})");

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync();
        await _cluster.DisposeAsync();
        _heartbeat.Dispose();
    }

    /// <summary>The facts of one request record, as text.</summary>
    internal sealed record Record(string Path, RequestOutcome Outcome, int Status, long BytesIn, long BytesOut);

    internal sealed class RecordingObserver : IRequestObserver
    {
        public ConcurrentQueue<Record> Records { get; } = new();

        public bool IsAuditAvailable => true;

        public void OnRequestCompleted(in RequestRecord record)
            => Records.Enqueue(new Record(Encoding.ASCII.GetString(record.Path), record.Outcome, record.Status, record.BytesIn, record.BytesOut));
    }
}
