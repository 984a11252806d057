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

namespace FastProxy.Http.Tests.Forwarding;

/// <summary>The per-request facts an exchange keeps and the one record it emits.</summary>
public sealed class ForwardingExchangeTests
{
    private static readonly ClientIdentity Client = new(IPAddress.Parse("192.0.2.7"), null, [], []);

    private static ProxyRuntime Runtime(IRequestObserver observer)
        => new(new RouteTable([]), [], Array.Empty<UpstreamCluster>(), AllowAllGate.Instance, observer: observer);

    private static RequestIds Ids()
    {
        var head = new Http1RequestHead();
        Http1Parser.TryParseRequest(new ReadOnlySequence<byte>("GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: client-7\r\n\r\n"u8.ToArray()), head, Http1Limits.Default, out _, out _);
        return RequestIds.Create(head);
    }

    [Fact]
    public void Complete_AfterARequest_RecordCarriesEveryFact()
    {
        var observer = new CapturingObserver();
        var time = new FixedTime(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123));
        var exchange = new ForwardingExchange();
        var reservation = new AuditReservation(observer);

        exchange.Begin(Runtime(observer), time, Ids());
        exchange.RouteIndex = 3;
        exchange.Outcome = RequestOutcome.Forwarded;
        exchange.Status = 201;
        exchange.UpstreamName = "10.0.0.1:80";
        exchange.AuditReservation = reservation;
        exchange.AddBytesIn(10);
        exchange.AddBytesIn(5);
        exchange.AddBytesOut(7);
        var requestId = Encoding.ASCII.GetString(exchange.Ids.RequestId);
        exchange.Complete(Client, "HTTP/1.1", "POST"u8, "api.test"u8, "/orders"u8);

        var record = Assert.Single(observer.Records);
        Assert.Equal(1_700_000_000_123, record.StartUnixMilliseconds);
        Assert.Equal(requestId, record.RequestId);
        Assert.Equal("client-7", record.ClientRequestId);
        Assert.Equal(Client.Address, record.ClientAddress);
        Assert.Equal("HTTP/1.1", record.Protocol);
        Assert.Equal("POST", record.Method);
        Assert.Equal("api.test", record.Host);
        Assert.Equal("/orders", record.Path);
        Assert.Equal(3, record.RouteIndex);
        Assert.Equal(RequestOutcome.Forwarded, record.Outcome);
        Assert.Equal(201, record.Status);
        Assert.Equal("10.0.0.1:80", record.UpstreamEndpoint);
        Assert.Equal(15, record.BytesIn);
        Assert.Equal(7, record.BytesOut);
        Assert.True(record.ReservationFromObserver);
        Assert.False(exchange.AuditReservation.IsHeld);
    }

    [Fact]
    public void Reset_AfterARequest_NextRequestStartsClean()
    {
        var observer = new CapturingObserver();
        var exchange = new ForwardingExchange();
        exchange.Begin(Runtime(observer), TimeProvider.System, Ids());
        exchange.RouteIndex = 1;
        exchange.Outcome = RequestOutcome.Forwarded;
        exchange.Status = 200;
        exchange.UpstreamName = "u";
        exchange.AddBytesIn(1);
        exchange.AddBytesOut(2);
        exchange.GateAudit = GateAudit.None with { Rule = "r" };

        exchange.Reset();

        Assert.Null(exchange.Runtime);
        Assert.Equal(-1, exchange.RouteIndex);
        Assert.Equal(RequestOutcome.ClientFailed, exchange.Outcome);
        Assert.Equal(0, exchange.Status);
        Assert.Null(exchange.UpstreamName);
        Assert.Equal(0, exchange.BytesIn);
        Assert.Equal(0, exchange.BytesOut);
        Assert.Equal(GateAudit.None, exchange.GateAudit);
        Assert.True(exchange.Ids.RequestId.IsEmpty);
    }

    [Fact]
    public void Rent_AfterReturn_ExchangeComesBackReset()
    {
        var exchange = ExchangePool.Rent();
        exchange.Begin(Runtime(new CapturingObserver()), TimeProvider.System, Ids());
        exchange.Status = 500;
        ExchangePool.Return(exchange);

        var again = ExchangePool.Rent();
        Assert.Equal(0, again.Status);
        Assert.True(again.Ids.RequestId.IsEmpty);
        ExchangePool.Return(again);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class CapturingObserver : IRequestObserver
    {
        public List<Captured> Records { get; } = [];

        public bool IsAuditAvailable => true;

        public void OnRequestCompleted(in RequestRecord record) => Records.Add(new Captured(
            record.StartUnixMilliseconds,
            Encoding.ASCII.GetString(record.RequestId),
            Encoding.ASCII.GetString(record.ClientRequestId),
            record.ClientAddress,
            record.Protocol,
            Encoding.ASCII.GetString(record.Method),
            Encoding.ASCII.GetString(record.Host),
            Encoding.ASCII.GetString(record.Path),
            record.RouteIndex,
            record.Outcome,
            record.Status,
            record.UpstreamEndpoint,
            record.BytesIn,
            record.BytesOut,
            record.AuditReservation.IsFrom(this)));
    }

    private sealed record Captured(
        long StartUnixMilliseconds,
        string RequestId,
        string ClientRequestId,
        IPAddress? ClientAddress,
        string Protocol,
        string Method,
        string Host,
        string Path,
        int RouteIndex,
        RequestOutcome Outcome,
        int Status,
        string? UpstreamEndpoint,
        long BytesIn,
        long BytesOut,
        bool ReservationFromObserver);
}
