using System.Collections.Concurrent;
using System.Net;
using System.Text;
using FastProxy.Core.Gate;
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
/// The HTTP/2 forwarding adapter in this process: a <see cref="Http2ProxyStreamHandler"/> over one cluster of one real
/// loopback upstream, routes api.test "/**" (any method) and other.test "/get-only" (GET only), a gate given by the test, and an observer that
/// keeps every request record. Streams are <see cref="FakeHttp2RequestStream"/>s.
/// </summary>
internal sealed class Http2ProxyHarness : IAsyncDisposable
{
    private readonly UpstreamCluster _cluster;
    private readonly Heartbeat _heartbeat;

    public Http2ProxyHarness(EndPoint upstream, IRequestGate? gate = null, Http1ProxyOptions? options = null, byte[][]? strippedHeaders = null)
    {
        _heartbeat = new Heartbeat(TimeProvider.System, TimeSpan.FromMilliseconds(100));
        var connections = new SocketConnectionOptions { Heartbeat = _heartbeat, Epoll = EpollEngine.Shared() };
        _cluster = new UpstreamCluster("test", [upstream], BalancePolicy.RoundRobin, new UpstreamPoolOptions { ConnectionOptions = connections }, TimeProvider.System, NullLogger.Instance);
        var runtime = new ProxyRuntime(
            new RouteTable([new RouteSpec("other.test", "/get-only", ["GET"]), new RouteSpec("api.test", "/**", null)]),
            ["get-only", "all"],
            [_cluster, _cluster],
            gate ?? AllowAllGate.Instance,
            strippedHeaders,
            Observer);
        Handler = new Http2ProxyStreamHandler(() => runtime, options ?? new Http1ProxyOptions(), NullLogger.Instance);
    }

    public Http2ProxyStreamHandler Handler { get; }

    public RecordingObserver Observer { get; } = new();

    public UpstreamEndpoint Endpoint => _cluster.Endpoints[0];

    /// <summary>Runs <paramref name="stream"/> through the handler to its end, bounded by the step timeout.</summary>
    public async Task RunAsync(FakeHttp2RequestStream stream)
        => await Handler.HandleAsync(stream).AsTask().WaitAsync(LoopbackHelpers.StepTimeout, CancellationToken.None);

    /// <summary>Waits until every upstream lease is back and <paramref name="records"/> records are out.</summary>
    public Task SettledAsync(int records) => LoopbackHelpers.WaitUntilAsync(
        () => Endpoint.Outstanding == 0 && Observer.Records.Count >= records,
        $"{records} records and no lease out (outstanding {Endpoint.Outstanding}, records {Observer.Records.Count})");

    public async ValueTask DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _heartbeat.Dispose();
    }

    /// <summary>The facts of one request record, as text.</summary>
    internal sealed record Record(string Protocol, string Method, string Path, RequestOutcome Outcome, int Status, long BytesIn, long BytesOut, string? Upstream);

    internal sealed class RecordingObserver : IRequestObserver
    {
        public ConcurrentQueue<Record> Records { get; } = new();

        public bool IsAuditAvailable => true;

        public Record Single => Assert.Single(Records);

        public void OnRequestCompleted(in RequestRecord record)
            => Records.Enqueue(new Record(
                record.Protocol,
                Encoding.ASCII.GetString(record.Method),
                Encoding.ASCII.GetString(record.Path),
                record.Outcome,
                record.Status,
                record.BytesIn,
                record.BytesOut,
                record.UpstreamEndpoint));
    }

    /// <summary>A gate that answers every routed request with the decisions given, in turn (the last one repeats).</summary>
    internal sealed class ScriptedGate(params GateDecision[] decisions) : IRequestGate
    {
        private int _next;

        public int Evaluations => _next;

        public GateDecision Evaluate(in GateRequest request, out GateAudit audit)
        {
            audit = GateAudit.None with { Reason = "scripted" };
            var index = Math.Min(_next++, decisions.Length - 1);
            return decisions[index];
        }

        public GateAudit NoRoute(bool methodNotAllowed) => GateAudit.None with { Reason = methodNotAllowed ? "method_not_allowed" : "no_route" };
    }
}
