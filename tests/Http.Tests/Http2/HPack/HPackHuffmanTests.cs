using System.Text;
using FastProxy.Http.Http2.HPack;

namespace FastProxy.Http.Tests.Http2.HPack;

public sealed class HPackHuffmanTests
{
    // RFC 7541 C.4.1-C.4.3 and C.6.1.
    [Theory]
    [InlineData("www.example.com", "f1e3c2e5f23a6ba0ab90f4ff")]
    [InlineData("no-cache", "a8eb10649cbf")]
    [InlineData("custom-key", "25a849e95ba97d7f")]
    [InlineData("custom-value", "25a849e95bb8e8b4bf")]
    [InlineData("302", "6402")]
    [InlineData("Mon, 21 Oct 2013 20:13:21 GMT", "d07abe941054d444a8200595040b8166e082a62d1bff")]
    [InlineData("https://www.example.com", "9d29ad171863c78f0b97c8e9ae82ae43d3")]
    public void EncodeDecode_RfcExamples_MatchWire(string text, string hex)
    {
        var raw = Encoding.ASCII.GetBytes(text);
        var wire = Convert.FromHexString(hex);
        Assert.Equal(wire.Length, HPackHuffman.GetEncodedLength(raw));

        var encoded = new byte[wire.Length];
        Assert.Equal(wire.Length, HPackHuffman.Encode(raw, encoded));
        Assert.Equal(wire, encoded);

        var decoded = new byte[raw.Length];
        Assert.Equal(raw.Length, HPackHuffman.Decode(wire, decoded));
        Assert.Equal(raw, decoded);
    }

    [Fact]
    public void EncodeDecode_EveryByteValue_RoundTrips()
    {
        var all = new byte[512];
        for (var i = 0; i < all.Length; i++)
        {
            all[i] = (byte)(i * 7);
        }

        var encoded = new byte[HPackHuffman.GetEncodedLength(all)];
        Assert.Equal(encoded.Length, HPackHuffman.Encode(all, encoded));
        var decoded = new byte[all.Length];
        Assert.Equal(all.Length, HPackHuffman.Decode(encoded, decoded));
        Assert.Equal(all, decoded);
    }

    [Theory]
    [InlineData("ffffffff")]       // 30 ones is EOS: "MUST be treated as a decoding error" (RFC 7541 §5.2)
    [InlineData("1fffffffff")]      // 'a' then EOS
    [InlineData("18")]              // 'a' (00011) padded with zeros
    [InlineData("1fff")]            // 'a' padded with 11 ones: more than 7 bits
    [InlineData("ff")]              // 8 ones of padding, no symbol
    [InlineData("f1e3c2e5f23a6ba0ab90f4fe")] // last padding bit 0
    public void Decode_InvalidData_IsError(string hex)
    {
        Assert.Equal(-1, HPackHuffman.Decode(Convert.FromHexString(hex), new byte[64]));
    }

    [Fact]
    public void Decode_PaddingOfSevenOnes_Accepted()
    {
        // '0' is 00000 (5 bits); 0x07 pads it with three ones; 0x00 0x7F... check a 1-bit symbol position with 7 ones:
        // "00" is two 5-bit codes (10 bits) then 6 ones.
        var output = new byte[4];
        Assert.Equal(1, HPackHuffman.Decode([0x07], output));
        Assert.Equal((byte)'0', output[0]);
        Assert.Equal(2, HPackHuffman.Decode([0x00, 0x3F], output));
    }

    [Fact]
    public void Decode_DestinationTooSmall_ReturnsMinusTwo()
    {
        Assert.Equal(-2, HPackHuffman.Decode(Convert.FromHexString("f1e3c2e5f23a6ba0ab90f4ff"), new byte[3]));
    }

    [Fact]
    public void Decode_Empty_IsEmpty()
    {
        Assert.Equal(0, HPackHuffman.Decode([], []));
    }
}
