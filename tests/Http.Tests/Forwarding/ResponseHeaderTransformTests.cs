using System.Text;
using FastProxy.Http.Forwarding;
using FastProxy.Http.Http1;

namespace FastProxy.Http.Tests.Forwarding;

/// <summary>Which response fields reach the client, whatever protocol carries them.</summary>
public sealed class ResponseHeaderTransformTests
{
    private static bool Forwards(string name, bool namedInConnection = false)
        => ResponseHeaderTransform.Forwards(KnownHeaders.Lookup(Encoding.ASCII.GetBytes(name)), namedInConnection);

    [Theory]
    [InlineData("Content-Type")]
    [InlineData("Set-Cookie")]
    [InlineData("WWW-Authenticate")]
    [InlineData("X-Custom")]
    public void Forwards_EndToEndField_Passes(string name) => Assert.True(Forwards(name));

    [Theory]
    [InlineData("Content-Length")]
    [InlineData("Transfer-Encoding")]
    [InlineData("Connection")]
    [InlineData("Keep-Alive")]
    [InlineData("Proxy-Connection")]
    [InlineData("TE")]
    [InlineData("Trailer")]
    [InlineData("Upgrade")]
    [InlineData("Proxy-Authenticate")]
    public void Forwards_FramingOrHopByHop_Dropped(string name) => Assert.False(Forwards(name));

    [Fact]
    public void Forwards_NamedInConnection_Dropped() => Assert.False(Forwards("X-Custom", namedInConnection: true));
}
