using FastProxy.Http.Http2.HPack;

namespace FastProxy.Http.Tests.Http2.HPack;

public sealed class HPackIntegerTests
{
    // RFC 7541 C.1.1-C.1.3.
    [Theory]
    [InlineData(10, 5, new byte[] { 0x0A })]
    [InlineData(1337, 5, new byte[] { 0x1F, 0x9A, 0x0A })]
    [InlineData(42, 8, new byte[] { 0x2A })]
    [InlineData(31, 5, new byte[] { 0x1F, 0x00 })]
    [InlineData(int.MaxValue, 7, new byte[] { 0x7F, 0x80, 0xFF, 0xFF, 0xFF, 0x07 })]
    public void EncodeDecode_RfcExamples_MatchWire(int value, int prefix, byte[] wire)
    {
        var buffer = new byte[8];
        var written = HPackInteger.Encode(value, prefix, 0, buffer);
        Assert.Equal(wire, buffer[..written]);

        var pos = 0;
        Assert.Equal(HPackError.None, HPackInteger.TryDecode(wire, ref pos, prefix, out var decoded));
        Assert.Equal(value, decoded);
        Assert.Equal(wire.Length, pos);
    }

    [Fact]
    public void Decode_PatternBitsAbovePrefix_Ignored()
    {
        var pos = 0;
        Assert.Equal(HPackError.None, HPackInteger.TryDecode([0xEA], ref pos, 5, out var value));
        Assert.Equal(10, value);
    }

    [Theory]
    [InlineData(new byte[] { 0x7F, 0x80, 0xFF, 0xFF, 0xFF, 0x08 })] // int.MaxValue + 1
    [InlineData(new byte[] { 0x1F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })] // six continuation bytes
    [InlineData(new byte[] { 0x1F, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 })] // zero-padded, endless
    public void Decode_Overflow_IsError(byte[] wire)
    {
        var pos = 0;
        Assert.Equal(HPackError.IntegerOverflow, HPackInteger.TryDecode(wire, ref pos, wire[0] == 0x7F ? 7 : 5, out _));
        Assert.Equal(0, pos);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x1F })]
    [InlineData(new byte[] { 0x1F, 0x9A })]
    public void Decode_Truncated_IsErrorAndConsumesNothing(byte[] wire)
    {
        var pos = 0;
        Assert.Equal(HPackError.Truncated, HPackInteger.TryDecode(wire, ref pos, 5, out _));
        Assert.Equal(0, pos);
    }

    [Fact]
    public void Encode_DestinationTooSmall_ReturnsZero()
    {
        Assert.Equal(0, HPackInteger.Encode(1337, 5, 0, new byte[2]));
        Assert.Equal(0, HPackInteger.Encode(1, 5, 0, []));
    }
}
