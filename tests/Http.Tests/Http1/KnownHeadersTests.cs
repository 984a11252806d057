using System.Text;
using FastProxy.Http.Http1;

namespace FastProxy.Http.Tests.Http1;

public sealed class KnownHeadersTests
{
    [Theory]
    [InlineData("Host", KnownHeader.Host)]
    [InlineData("CONTENT-LENGTH", KnownHeader.ContentLength)]
    [InlineData("transfer-encoding", KnownHeader.TransferEncoding)]
    [InlineData("Connection", KnownHeader.Connection)]
    [InlineData("Keep-Alive", KnownHeader.KeepAlive)]
    [InlineData("Proxy-Connection", KnownHeader.ProxyConnection)]
    [InlineData("TE", KnownHeader.TE)]
    [InlineData("Trailer", KnownHeader.Trailer)]
    [InlineData("Upgrade", KnownHeader.Upgrade)]
    [InlineData("Expect", KnownHeader.Expect)]
    [InlineData("authorization", KnownHeader.Authorization)]
    [InlineData("Cookie", KnownHeader.Cookie)]
    [InlineData("Set-Cookie", KnownHeader.SetCookie)]
    [InlineData("X-Forwarded-For", KnownHeader.XForwardedFor)]
    [InlineData("X-Forwarded-Proto", KnownHeader.XForwardedProto)]
    [InlineData("X-Forwarded-Host", KnownHeader.XForwardedHost)]
    [InlineData("X-Forwarded-Port", KnownHeader.XForwardedPort)]
    [InlineData("X-Real-IP", KnownHeader.XRealIp)]
    [InlineData("Forwarded", KnownHeader.Forwarded)]
    [InlineData("Via", KnownHeader.Via)]
    [InlineData("Proxy-Authorization", KnownHeader.ProxyAuthorization)]
    [InlineData("Proxy-Authenticate", KnownHeader.ProxyAuthenticate)]
    [InlineData("HTTP2-Settings", KnownHeader.Http2Settings)]
    [InlineData("Hosts", KnownHeader.Unknown)]
    [InlineData("Hos", KnownHeader.Unknown)]
    [InlineData("Content-Lengt_", KnownHeader.Unknown)]
    [InlineData("X-Forwarded-Fox", KnownHeader.Unknown)]
    [InlineData("", KnownHeader.Unknown)]
    public void Lookup_NameAnyCase_Recognised(string name, KnownHeader expected)
        => Assert.Equal(expected, KnownHeaders.Lookup(Encoding.ASCII.GetBytes(name)));

    [Fact]
    public void KnownHeader_AllValues_FitTheSeenBitSet()
        => Assert.All(Enum.GetValues<KnownHeader>(), h => Assert.InRange((int)h, 0, 63));

    [Theory]
    [InlineData(KnownHeader.Connection, true)]
    [InlineData(KnownHeader.KeepAlive, true)]
    [InlineData(KnownHeader.ProxyConnection, true)]
    [InlineData(KnownHeader.TE, true)]
    [InlineData(KnownHeader.Upgrade, true)]
    [InlineData(KnownHeader.ProxyAuthorization, true)]
    [InlineData(KnownHeader.Http2Settings, true)]
    [InlineData(KnownHeader.TransferEncoding, false)]
    [InlineData(KnownHeader.Trailer, false)]
    [InlineData(KnownHeader.Host, false)]
    [InlineData(KnownHeader.Authorization, false)]
    public void IsHopByHop_KnownHeader_MatchesRfc9110(KnownHeader header, bool expected)
        => Assert.Equal(expected, KnownHeaders.IsHopByHop(header));
}
