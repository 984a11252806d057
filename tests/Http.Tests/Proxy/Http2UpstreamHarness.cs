using System.Net;
using FastProxy.Core.Gate;
using FastProxy.Core.Routing;
using FastProxy.Core.Upstream;
using FastProxy.Http.Proxy;
using FastProxy.Http.Tests.Proxy.Fakes;
using FastProxy.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Http.Tests.Proxy;

/// <summary>
/// The HTTP/2 forwarding adapter against an HTTP/2 cluster whose one endpoint's pool is a <see cref="FakeHttp2UpstreamSource"/>
/// (plugged in as the host will: UpstreamPoolOptions.Protocol = Http2 with a MultiplexedPoolFactory). Routes:
/// grpc.test "/**" (marked `grpc: true`), other.test "/get-only" (GET only), api.test "/**".
/// </summary>
internal sealed class Http2UpstreamHarness : IAsyncDisposable
{
    private readonly UpstreamCluster _cluster;

    public Http2UpstreamHarness(IRequestGate? gate = null, Http1ProxyOptions? options = null, byte[][]? strippedHeaders = null, int ejectAfter = 5)
    {
        var pool = new UpstreamPoolOptions
        {
            Protocol = UpstreamProtocol.Http2,
            MultiplexedPoolFactory = _ => Source,
            EjectAfterConsecutiveFailures = ejectAfter,

            // The one endpoint, once ejected, stays out (no panic mode, no trial): "no healthy endpoint" is reachable.
            PanicThresholdPercent = 0,
            TrialBackoff = TimeSpan.Zero,
        };
        _cluster = new UpstreamCluster("h2", [new IPEndPoint(IPAddress.Loopback, 9)], BalancePolicy.RoundRobin, pool, TimeProvider.System, NullLogger.Instance);
        Runtime = new ProxyRuntime(
            new RouteTable([new RouteSpec("grpc.test", "/**", null), new RouteSpec("other.test", "/get-only", ["GET"]), new RouteSpec("api.test", "/**", null)]),
            ["grpc", "get-only", "all"],
            [_cluster, _cluster, _cluster],
            gate ?? AllowAllGate.Instance,
            strippedHeaders,
            Observer)
        {
            GrpcByRoute = [true, false, false],
        };
        Handler = new Http2ProxyStreamHandler(() => Runtime, options ?? new Http1ProxyOptions(), NullLogger.Instance);
    }

    public FakeHttp2UpstreamSource Source { get; } = new();

    public ProxyRuntime Runtime { get; }

    public Http2ProxyStreamHandler Handler { get; }

    public Http2ProxyHarness.RecordingObserver Observer { get; } = new();

    public UpstreamEndpoint Endpoint => _cluster.Endpoints[0];

    public async Task RunAsync(FakeHttp2RequestStream stream)
        => await Handler.HandleAsync(stream).AsTask().WaitAsync(LoopbackHelpers.StepTimeout, CancellationToken.None);

    public Task StartAsync(FakeHttp2RequestStream stream) => Handler.HandleAsync(stream).AsTask();

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();
}
