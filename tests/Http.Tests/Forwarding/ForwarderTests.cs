using System.Buffers;
using System.Net;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Core.Routing;
using FastProxy.Core.Upstream;
using FastProxy.Http.Forwarding;
using FastProxy.Http.Http1;
using FastProxy.Http.Proxy;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Http.Tests.Forwarding;

/// <summary>The protocol-independent stages of forwarding: what each decides and what it records on the exchange.</summary>
public sealed class ForwarderTests : IAsyncLifetime
{
    private static readonly ClientIdentity Client = new(IPAddress.Parse("192.0.2.7"), null, [], []);
    private static readonly GateAudit Authenticated = GateAudit.None with { Subject = "alice", Reason = "allowed" };

    private readonly UpstreamCluster _cluster = new("c", [new IPEndPoint(IPAddress.Loopback, 9)], BalancePolicy.RoundRobin, new UpstreamPoolOptions(), TimeProvider.System, NullLogger.Instance);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static Http1RequestHead Parse(string text)
    {
        var head = new Http1RequestHead();
        var status = Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), head, Http1Limits.Default, out _, out var error);
        Assert.True(status == Http1ParseStatus.Complete, error.Kind.ToString());
        return head;
    }

    private ForwardingExchange Begin(IRequestGate gate, IRequestObserver? observer = null, bool denyWhenAuditUnavailable = false)
    {
        var runtime = new ProxyRuntime(
            new RouteTable([new RouteSpec(null, "/orders/**", ["GET", "POST"]), new RouteSpec(null, "/health", null)]),
            ["orders", "health"],
            [_cluster, _cluster],
            gate,
            observer: observer,
            denyWhenAuditUnavailable: denyWhenAuditUnavailable);
        var exchange = new ForwardingExchange();
        exchange.Begin(runtime, TimeProvider.System, default);
        return exchange;
    }

    [Theory]
    [InlineData("GET /orders/7 HTTP/1.1\r\nHost: a\r\n\r\n", RouteMatchKind.Matched, 0)]
    [InlineData("GET /health HTTP/1.1\r\nHost: a\r\n\r\n", RouteMatchKind.Matched, 1)]
    [InlineData("GET /other HTTP/1.1\r\nHost: a\r\n\r\n", RouteMatchKind.NoRoute, -1)]
    public void Route_Request_RouteRecordedOnTheExchange(string request, RouteMatchKind expected, int routeIndex)
    {
        var exchange = Begin(AllowAllGate.Instance);

        Assert.Equal(expected, Forwarder.Route(exchange, Parse(request)));
        Assert.Equal(routeIndex, exchange.RouteIndex);
    }

    [Fact]
    public void Route_MethodTheRouteDoesNotList_MethodNotAllowed()
    {
        var exchange = Begin(AllowAllGate.Instance);

        Assert.Equal(RouteMatchKind.MethodNotAllowed, Forwarder.Route(exchange, Parse("DELETE /orders/7 HTTP/1.1\r\nHost: a\r\n\r\n")));
    }

    [Theory]
    [InlineData(RouteMatchKind.NoRoute, "no_route")]
    [InlineData(RouteMatchKind.MethodNotAllowed, "method_not_allowed")]
    public void RefuseUnrouted_Miss_RecordedWithTheGatesAuditFacts(RouteMatchKind match, string reason)
    {
        var exchange = Begin(AllowAllGate.Instance);

        Forwarder.RefuseUnrouted(exchange, match);

        Assert.Equal(RequestOutcome.NoRoute, exchange.Outcome);
        Assert.Equal(reason, exchange.GateAudit.Reason);
    }

    [Fact]
    public void Decide_RoutedRequest_GateSeesTheRequestAndItsAuditIsRecorded()
    {
        var gate = new ScriptedGate(GateDecision.Allow(), Authenticated);
        var exchange = Begin(gate);
        var request = Parse("GET /orders/7?x=1 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer t\r\n\r\n");
        Forwarder.Route(exchange, request);

        var decision = Forwarder.Decide(exchange, request, Client);

        Assert.Equal(GateVerdict.Allow, decision.Verdict);
        Assert.Equal(Authenticated, exchange.GateAudit);
        Assert.Equal((0, "/orders/7", "x=1", "Bearer t", Client.Address), gate.Seen);
    }

    [Fact]
    public void AdmitUnderAuditStance_Anonymous_AdmittedWithoutAReservation()
    {
        var observer = new ReservingObserver(canReserve: false);
        var exchange = Begin(AllowAllGate.Instance, observer, denyWhenAuditUnavailable: true);

        Assert.True(Forwarder.AdmitUnderAuditStance(exchange));
        Assert.Equal(0, observer.Attempts);
    }

    [Fact]
    public void AdmitUnderAuditStance_AuthenticatedAndRoomReserved_AdmittedHoldingTheReservation()
    {
        var observer = new ReservingObserver(canReserve: true);
        var exchange = Begin(AllowAllGate.Instance, observer, denyWhenAuditUnavailable: true);
        exchange.GateAudit = Authenticated;

        Assert.True(Forwarder.AdmitUnderAuditStance(exchange));
        Assert.True(exchange.AuditReservation.IsFrom(observer));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void AdmitUnderAuditStance_AuthenticatedAndNoRoom_RefusedOnlyWhenConfiguredToDeny(bool denyWhenAuditUnavailable, bool admitted)
    {
        var exchange = Begin(AllowAllGate.Instance, new ReservingObserver(canReserve: false), denyWhenAuditUnavailable);
        exchange.GateAudit = Authenticated;
        exchange.Outcome = RequestOutcome.ClientFailed;

        Assert.Equal(admitted, Forwarder.AdmitUnderAuditStance(exchange));
        Assert.Equal(admitted ? RequestOutcome.ClientFailed : RequestOutcome.AuditUnavailable, exchange.Outcome);
    }

    [Theory]
    [InlineData("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", 10, true)]
    [InlineData("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n", 10, false)]
    [InlineData("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", 0, false)]
    [InlineData("POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 10, false)]
    [InlineData("GET /a HTTP/1.1\r\nHost: a\r\n\r\n", 10, false)]
    public void ExceedsBodyLimit_DeclaredLength_ComparedWithTheLimit(string request, long limit, bool exceeds)
        => Assert.Equal(exceeds, Forwarder.ExceedsBodyLimit(Parse(request), limit));

    [Theory]
    [InlineData("GET /a HTTP/1.1\r\nHost: a\r\n\r\n", true)]
    [InlineData("HEAD /a HTTP/1.1\r\nHost: a\r\n\r\n", true)]
    [InlineData("DELETE /a HTTP/1.1\r\nHost: a\r\n\r\n", true)]
    [InlineData("POST /a HTTP/1.1\r\nHost: a\r\n\r\n", false)]
    [InlineData("PUT /a HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n", false)]
    [InlineData("GET /a HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n", false)]
    public void IsRetriable_OnlyIdempotentWithoutBody(string request, bool retriable)
        => Assert.Equal(retriable, Forwarder.IsRetriable(Parse(request)));

    private sealed class ScriptedGate(GateDecision decision, GateAudit audit) : IRequestGate
    {
        public (int RouteIndex, string Path, string Query, string Authorization, IPAddress? Client) Seen { get; private set; }

        public GateDecision Evaluate(in GateRequest request, out GateAudit audit1)
        {
            request.Headers.TryGetFirst("authorization"u8, out var authorization);
            Seen = (request.RouteIndex, Encoding.ASCII.GetString(request.Path), Encoding.ASCII.GetString(request.Query), Encoding.ASCII.GetString(authorization), request.Client.Address);
            audit1 = audit;
            return decision;
        }

        public GateAudit NoRoute(bool methodNotAllowed) => GateAudit.None;
    }

    private sealed class ReservingObserver(bool canReserve) : IRequestObserver
    {
        public int Attempts { get; private set; }

        public bool IsAuditAvailable => canReserve;

        public bool TryReserveRecord(out AuditReservation reservation)
        {
            Attempts++;
            reservation = canReserve ? new AuditReservation(this) : default;
            return canReserve;
        }

        public void OnRequestCompleted(in RequestRecord record)
        {
        }
    }
}
