using System.Buffers;
using System.Net;
using System.Text;
using FastProxy.Http.Forwarding;
using FastProxy.Http.Http1;
using FastProxy.Http.Proxy;

namespace FastProxy.Http.Tests.Forwarding;

/// <summary>Which request fields reach the next hop and which the proxy adds, whatever protocol carries them.</summary>
public sealed class RequestHeaderTransformTests
{
    private static readonly byte[][] NoStripped = [];

    private static bool Forwards(string name, bool namedInConnection = false, bool forwardAuthorization = true, byte[][]? stripped = null)
    {
        var bytes = Encoding.ASCII.GetBytes(name);
        return RequestHeaderTransform.Forwards(bytes, KnownHeaders.Lookup(bytes), namedInConnection, forwardAuthorization, stripped ?? NoStripped);
    }

    [Theory]
    [InlineData("Accept")]
    [InlineData("Content-Type")]
    [InlineData("User-Agent")]
    [InlineData("X_Custom_Thing")]
    public void Forwards_EndToEndField_Passes(string name) => Assert.True(Forwards(name));

    [Theory]
    [InlineData("Connection")]
    [InlineData("Keep-Alive")]
    [InlineData("Proxy-Connection")]
    [InlineData("TE")]
    [InlineData("Trailer")]
    [InlineData("Upgrade")]
    [InlineData("Expect")]
    [InlineData("Proxy-Authorization")]
    [InlineData("HTTP2-Settings")]
    public void Forwards_HopByHopField_Dropped(string name) => Assert.False(Forwards(name));

    [Theory]
    [InlineData("Host")]
    [InlineData("Content-Length")]
    [InlineData("Transfer-Encoding")]
    public void Forwards_FramingOrHost_DroppedBecauseTheProxyRestatesThem(string name) => Assert.False(Forwards(name));

    [Theory]
    [InlineData("X-Forwarded-For")]
    [InlineData("x-forwarded-proto")]
    [InlineData("X-Forwarded-Host")]
    [InlineData("X-Forwarded-Port")]
    [InlineData("X-Real-IP")]
    [InlineData("Forwarded")]
    [InlineData("X_Forwarded_For")]
    [InlineData("x_forwarded_host")]
    public void Forwards_ClientForwardingMetadata_NeverTrusted(string name) => Assert.False(Forwards(name));

    [Theory]
    [InlineData("X-Request-Id")]
    [InlineData("x_request_id")]
    [InlineData("traceparent")]
    [InlineData("TRACEPARENT")]
    public void Forwards_FieldsTheProxyRestates_Dropped(string name) => Assert.False(Forwards(name));

    [Fact]
    public void Forwards_NamedInConnection_Dropped() => Assert.False(Forwards("X-Secret", namedInConnection: true));

    [Theory]
    [InlineData("X-FastProxy-Anything")]
    [InlineData("x_fastproxy_user")]
    public void Forwards_ProxyPrefix_Dropped(string name) => Assert.False(Forwards(name));

    [Theory]
    [InlineData("X-User")]
    [InlineData("x-user")]
    [InlineData("X_User")]
    [InlineData("x_USER")]
    public void Forwards_IdentityFieldInAnySpelling_Stripped(string name)
        => Assert.False(Forwards(name, stripped: ["x-user"u8.ToArray()]));

    [Fact]
    public void Forwards_Authorization_OnlyWhenTheRouteForwardsIt()
    {
        Assert.True(Forwards("Authorization", forwardAuthorization: true));
        Assert.False(Forwards("Authorization", forwardAuthorization: false));
    }

    [Fact]
    public void WriteTraceFields_RequestIdAndTraceparent_FromTheIds()
    {
        var head = new Http1RequestHead();
        Assert.Equal(Http1ParseStatus.Complete, Http1Parser.TryParseRequest(
            new ReadOnlySequence<byte>("GET / HTTP/1.1\r\nHost: a\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\n"u8.ToArray()),
            head, Http1Limits.Default, out _, out _));
        var ids = RequestIds.Create(head);
        try
        {
            var sink = new RecordingFieldSink();
            RequestHeaderTransform.WriteTraceFields(ref sink, ids);

            Assert.Equal(2, sink.Fields.Count);
            Assert.Equal(("X-Request-Id", Encoding.ASCII.GetString(ids.RequestId)), sink.Fields[0]);
            Assert.Equal("traceparent", sink.Fields[1].Name);
            Assert.Matches("^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$", sink.Fields[1].Value);
        }
        finally
        {
            ids.Dispose();
        }
    }

    [Theory]
    [InlineData("192.0.2.9", "192.0.2.9")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData(null, "unknown")]
    public void WriteForwardedFields_ClientSchemeAndAuthority_AsTheProxySawThem(string? address, string forwardedFor)
    {
        var sink = new RecordingFieldSink();
        RequestHeaderTransform.WriteForwardedFields(ref sink, address is null ? null : IPAddress.Parse(address), "https"u8, "api.test:8443"u8);

        Assert.Equal(
            [("X-Forwarded-For", forwardedFor), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "api.test:8443")],
            sink.Fields);
    }
}
