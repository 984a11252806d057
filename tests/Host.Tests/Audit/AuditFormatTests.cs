using System.Text;
using FastProxy.Host.Audit;

namespace FastProxy.Host.Tests.Audit;

public class AuditFormatTests
{
    [Fact]
    public void ToHex_EveryByteValue_LowerCaseHexRoundTrips()
    {
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var hex = new byte[bytes.Length * 2];

        AuditFormat.ToHex(bytes, hex);

        Assert.Equal(Convert.ToHexStringLower(bytes), Encoding.ASCII.GetString(hex));
        var back = new byte[bytes.Length];
        Assert.True(AuditFormat.TryFromHex(hex, back));
        Assert.Equal(bytes, back);
    }

    [Fact]
    public void ToHex_OutputLongerThanNeeded_WritesOnlyItsPart()
    {
        var hex = Enumerable.Repeat((byte)'x', 8).ToArray();

        AuditFormat.ToHex([0xAB, 0x01], hex);

        Assert.Equal("ab01xxxx", Encoding.ASCII.GetString(hex));
    }

    [Theory]
    [InlineData("AB")]
    [InlineData("0g")]
    [InlineData("abc")]
    public void TryFromHex_NotLowerCaseHexOfTheLength_False(string hex)
    {
        Assert.False(AuditFormat.TryFromHex(Encoding.ASCII.GetBytes(hex), new byte[1]));
    }
}
