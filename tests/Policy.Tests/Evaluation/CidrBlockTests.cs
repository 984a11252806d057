using System.Net;
using FastProxy.Policy.Evaluation;

namespace FastProxy.Policy.Tests.Evaluation;

public sealed class CidrBlockTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.255.1.1", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("192.168.1.0/25", "192.168.1.127", true)]
    [InlineData("192.168.1.0/25", "192.168.1.128", false)]
    [InlineData("0.0.0.0/0", "8.8.8.8", true)]
    [InlineData("0.0.0.0/0", "::1", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("127.0.0.1", "127.0.0.2", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.1.1", true)]
    public void Contains_Address(string cidr, string address, bool expected)
        => Assert.Equal(expected, CidrBlock.TryParse(cidr, out _)!.Contains(IPAddress.Parse(address)));

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0/8")]
    [InlineData("host.example/8")]
    [InlineData("10.0.0.1/8")]
    [InlineData("fe80::1%1/64")]
    public void TryParse_Invalid_Error(string cidr)
    {
        Assert.Null(CidrBlock.TryParse(cidr, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Contains_NullAddress_False()
        => Assert.False(CidrBlock.TryParse("0.0.0.0/0", out _)!.Contains(null));
}
