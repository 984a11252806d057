using System.Text;
using FastProxy.Http.Http2.HPack;

namespace FastProxy.Http.Tests.Http2.HPack;

public sealed class HPackEncoderTests
{
    [Fact]
    public void Encode_StaticWholeMatch_IsOneIndexByte()
    {
        using var encoder = new HPackEncoder();
        Assert.Equal("88", Encode(encoder, ":status", "200", HPackIndexing.WithoutIndexing, huffman: false));
        Assert.Equal("8d", Encode(encoder, ":status", "404", HPackIndexing.Incremental, huffman: true));
    }

    [Fact]
    public void Encode_RfcC6FirstResponse_MatchesRfcWire()
    {
        // RFC 7541 C.6.1: Huffman, incremental indexing, table size 256.
        using var encoder = new HPackEncoder(256);
        var wire = Encode(encoder, ":status", "302", HPackIndexing.Incremental, true)
            + Encode(encoder, "cache-control", "private", HPackIndexing.Incremental, true)
            + Encode(encoder, "date", "Mon, 21 Oct 2013 20:13:21 GMT", HPackIndexing.Incremental, true)
            + Encode(encoder, "location", "https://www.example.com", HPackIndexing.Incremental, true);
        Assert.Equal("488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3", wire);
        Assert.Equal(222, encoder.DynamicTable.Size);

        // C.6.2: the repeated fields are now single dynamic-table indexes.
        var second = Encode(encoder, ":status", "307", HPackIndexing.Incremental, true)
            + Encode(encoder, "cache-control", "private", HPackIndexing.Incremental, true)
            + Encode(encoder, "date", "Mon, 21 Oct 2013 20:13:21 GMT", HPackIndexing.Incremental, true)
            + Encode(encoder, "location", "https://www.example.com", HPackIndexing.Incremental, true);
        Assert.Equal("4883640effc1c0bf", second);
    }

    [Fact]
    public void Encode_NeverIndexed_StaysLiteralAndOutOfTheTable()
    {
        using var encoder = new HPackEncoder();
        Assert.Equal("1f2803612d62", Encode(encoder, "set-cookie", "a-b", HPackIndexing.NeverIndexed, huffman: false));
        Assert.Equal(0, encoder.DynamicTable.Count);
    }

    [Fact]
    public void Encode_DestinationTooSmall_FailsWithoutTouchingTheTable()
    {
        using var encoder = new HPackEncoder();
        Assert.False(encoder.TryEncode("x-name"u8, "value"u8, HPackIndexing.Incremental, false, new byte[5], out _));
        Assert.Equal(0, encoder.DynamicTable.Count);
    }

    [Fact]
    public void BeginBlock_AfterSetMaxTableSize_WritesSizeUpdateOnce()
    {
        using var encoder = new HPackEncoder();
        encoder.SetMaxTableSize(2048);
        var buffer = new byte[8];
        Assert.True(encoder.TryBeginBlock(buffer, out var written));
        Assert.Equal("3fe10f", Convert.ToHexStringLower(buffer, 0, written));
        Assert.True(encoder.TryBeginBlock(buffer, out written));
        Assert.Equal(0, written);
    }

    private static string Encode(HPackEncoder encoder, string name, string value, HPackIndexing indexing, bool huffman)
    {
        var buffer = new byte[256];
        Assert.True(encoder.TryEncode(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value), indexing, huffman, buffer, out var written));
        return Convert.ToHexStringLower(buffer, 0, written);
    }
}
