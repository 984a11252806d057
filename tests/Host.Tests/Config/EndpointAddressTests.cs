using System.Net;
using FastProxy.Host.Config;

namespace FastProxy.Host.Tests.Config;

public class EndpointAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:8080", "127.0.0.1", 8080)]
    [InlineData("0.0.0.0:1", "0.0.0.0", 1)]
    [InlineData("[::]:65535", "::", 65535)]
    [InlineData("[::1]:8080", "::1", 8080)]
    [InlineData("[2001:db8::1]:443", "2001:db8::1", 443)]
    [InlineData("127.0.0.1:0", "127.0.0.1", 0)]
    public void TryParseListen_IpLiteral_Parsed(string text, string host, int port)
    {
        Assert.True(EndpointAddress.TryParseListen(text, out var address, out var error), error);
        Assert.Equal(host, address.Host);
        Assert.Equal(port, address.Port);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(host), port), address.ToIPEndPoint());
        Assert.Equal(text, address.ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("127.0.0.1", "no port")]
    [InlineData(":8080", "no host")]
    [InlineData("localhost:8080", "IP literal")]
    [InlineData("127.1:8080", "not an IPv4 address")]
    [InlineData("256.0.0.1:8080", "not an IPv4 address")]
    [InlineData("::1:8080", "brackets")]
    [InlineData("[::1]8080", "[ipv6]:port")]
    [InlineData("[127.0.0.1]:80", "not an IPv6 address")]
    [InlineData("127.0.0.1:-1", "port")]
    [InlineData("127.0.0.1:65536", "port")]
    [InlineData("127.0.0.1:+80", "port")]
    [InlineData("127.0.0.1:http", "port")]
    public void TryParseListen_Invalid_ErrorSaysWhy(string text, string expected)
    {
        Assert.False(EndpointAddress.TryParseListen(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:9001", "localhost")]
    [InlineData("Orders.Internal:80", "orders.internal")]
    [InlineData("svc-1.ns.svc.cluster.local:8080", "svc-1.ns.svc.cluster.local")]
    [InlineData("[::1]:9001", "::1")]
    public void TryParseEndpoint_NameOrLiteral_Parsed(string text, string host)
    {
        Assert.True(EndpointAddress.TryParseEndpoint(text, out var address, out var error), error);
        Assert.Equal(host, address.Host);
    }

    [Theory]
    [InlineData("localhost:0")]
    [InlineData("-bad:80")]
    [InlineData("a..b:80")]
    [InlineData("under_score:80")]
    [InlineData("http://x:80")]
    public void TryParseEndpoint_BadName_Refused(string text)
    {
        Assert.False(EndpointAddress.TryParseEndpoint(text, out _, out _));
    }
}
