using System.Text;
using FastProxy.Http.Forwarding;

namespace FastProxy.Http.Tests.Forwarding;

/// <summary>grpc-timeout: TimeoutValue of 1 to 8 digits and a unit (H M S m u n), parsed and restated.</summary>
public sealed class GrpcTimeoutTests
{
    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("100u", 1_000L)]
    [InlineData("1000n", 10L)]
    [InlineData("0S", 0L)]
    [InlineData("99999999H", 99_999_999L * 36_000_000_000L)]
    [InlineData("00000001S", 10_000_000L)]
    public void TryParse_Valid_Ticks(string text, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(Encoding.ASCII.GetBytes(text), out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("5")]
    [InlineData("123456789S")]
    [InlineData("5s")]
    [InlineData("5x")]
    [InlineData("-5S")]
    [InlineData(" 5S")]
    [InlineData("5 S")]
    [InlineData("1.5S")]
    [InlineData("5SS")]
    public void TryParse_Malformed_False(string text)
        => Assert.False(GrpcTimeout.TryParse(Encoding.ASCII.GetBytes(text), out _));

    [Theory]
    [InlineData(10L, "1000n")]
    [InlineData(10_000_000L, "1000000u")]
    [InlineData(20_000_000L, "2000000u")]
    [InlineData(36_000_000_000L, "3600000m")]
    [InlineData(0L, "1n")]
    [InlineData(1_234_567_891L, "123456m")]
    public void Format_FinestUnitThatFits_RoundedDown(long ticks, string expected)
    {
        var destination = new byte[GrpcTimeout.MaxLength];
        var written = GrpcTimeout.Format(TimeSpan.FromTicks(ticks), destination);
        Assert.Equal(expected, Encoding.ASCII.GetString(destination, 0, written));
    }

    [Fact]
    public void Format_ThenParse_NeverLongerThanTheOriginal()
    {
        var destination = new byte[GrpcTimeout.MaxLength];
        foreach (var ticks in new[] { 1L, 999L, 123_456_789L, 987_654_321_012L, TimeSpan.FromDays(3000).Ticks })
        {
            var written = GrpcTimeout.Format(TimeSpan.FromTicks(ticks), destination);
            Assert.InRange(written, 2, GrpcTimeout.MaxLength);
            Assert.True(GrpcTimeout.TryParse(destination.AsSpan(0, written), out var parsed));
            Assert.InRange(parsed.Ticks, 0, ticks);
        }
    }
}
