using System.Text;
using FastProxy.Http.Http2.HPack;
using FastProxy.Tests.Common;

namespace FastProxy.Http.Tests.Http2.HPack;

public sealed class HPackDecoderTests
{
    [Fact]
    public void Decode_RfcC3RequestsWithoutHuffman_SharesTableAcrossBlocks()
    {
        // RFC 7541 C.3.1-C.3.3, one decoder for the three requests.
        using var decoder = new HPackDecoder();
        AssertDecodes(decoder, "828684410f7777772e6578616d706c652e636f6d",
            (":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"));
        AssertDecodes(decoder, "828684be58086e6f2d6361636865",
            (":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"), ("cache-control", "no-cache"));
        AssertDecodes(decoder, "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
            (":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value"));
        Assert.Equal(164, decoder.DynamicTable.Size);
    }

    [Fact]
    public void Decode_RfcC6ResponsesWithHuffmanAndEviction_TableAsRfc()
    {
        // RFC 7541 C.6.1-C.6.3: SETTINGS_HEADER_TABLE_SIZE 256, so entries are evicted.
        using var decoder = new HPackDecoder(maxTableSize: 256);
        AssertDecodes(decoder, "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
            (":status", "302"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com"));
        Assert.Equal(222, decoder.DynamicTable.Size);
        AssertDecodes(decoder, "4883640effc1c0bf",
            (":status", "307"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com"));
        Assert.Equal(222, decoder.DynamicTable.Size);
        AssertDecodes(decoder, "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
            (":status", "200"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT"), ("location", "https://www.example.com"),
            ("content-encoding", "gzip"), ("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"));
        Assert.Equal(215, decoder.DynamicTable.Size);
    }

    [Theory]
    [InlineData("80", HPackError.IndexZero)]                       // indexed field, index 0 (RFC 7541 §6.1)
    [InlineData("4000", HPackError.Truncated)]                     // literal, new name, no name length
    [InlineData("be", HPackError.IndexOutOfRange)]                 // index 62, empty dynamic table (§2.3.3)
    [InlineData("7f00", HPackError.IndexOutOfRange)]               // literal name index 63
    [InlineData("ff80808080808000", HPackError.IntegerOverflow)]   // index never ending
    [InlineData("3fe17f", HPackError.TableSizeUpdateTooLarge)]     // size update to 16384 > 4096 (§6.3)
    [InlineData("823f00", HPackError.TableSizeUpdateNotAtStart)]   // size update after a field (RFC 9113 §4.3.1)
    [InlineData("400561", HPackError.Truncated)]                   // name says 5 bytes, 1 present
    [InlineData("0003616263", HPackError.Truncated)]               // name, then no value length
    [InlineData("ff", HPackError.Truncated)]                       // index prefix full, continuation missing
    [InlineData("0081ff0161", HPackError.BadHuffman)]              // Huffman name of 8 padding ones
    [InlineData("0001618118", HPackError.BadHuffman)]              // Huffman value 'a' padded with zeros
    public void Decode_MalformedBlock_IsError(string hex, HPackError expected)
    {
        using var decoder = new HPackDecoder();
        var collector = new HeaderCollector();
        Assert.Equal(expected, decoder.Decode(Convert.FromHexString(hex), ref collector));
    }

    [Fact]
    public void Decode_SizeUpdatesAtStart_Applied()
    {
        using var decoder = new HPackDecoder();
        AssertDecodes(decoder, "400161016182", ("a", "a"), (":method", "GET"));
        Assert.Equal(1, decoder.DynamicTable.Count);

        // Two updates at the start of a block are allowed (RFC 7541 §4.2: the smallest, then the final size).
        AssertDecodes(decoder, "203fe10f82", (":method", "GET"));
        Assert.Equal(0, decoder.DynamicTable.Count);
        Assert.Equal(2048, decoder.DynamicTable.MaxSize);
    }

    [Fact]
    public void Decode_SizeUpdateAboveLoweredSetting_IsError()
    {
        using var decoder = new HPackDecoder(maxTableSize: 4096) { MaxAllowedTableSize = 1024 };
        var collector = new HeaderCollector();
        Assert.Equal(HPackError.TableSizeUpdateTooLarge, decoder.Decode(Convert.FromHexString("3fe10f"), ref collector)); // 2048
        Assert.Equal(HPackError.None, decoder.Decode(Convert.FromHexString("3fe107"), ref collector)); // 1024
        Assert.Equal(1024, decoder.DynamicTable.MaxSize);
    }

    [Fact]
    public void Decode_SettingLoweredAndNoSizeUpdate_IsError()
    {
        using var decoder = new HPackDecoder();
        AssertDecodes(decoder, "400161016182", ("a", "a"), (":method", "GET"));
        decoder.MaxAllowedTableSize = 1024;

        var collector = new HeaderCollector();
        Assert.Equal(HPackError.TableSizeUpdateMissing, decoder.Decode([0x82], ref collector));
        Assert.Equal(HPackError.None, decoder.Decode(Convert.FromHexString("3f00" + "82"), ref collector)); // update to 31, then a field
        Assert.Equal(HPackError.None, decoder.Decode([0x82], ref collector));
    }

    [Fact]
    public void Decode_ListAtLimit_AcceptedAndOneByteOver_Refused()
    {
        // ":method: GET" counts 7 + 3 + 32 = 42 (RFC 9113 §6.5.2).
        using (var exact = new HPackDecoder(maxHeaderListSize: 84))
        {
            var collector = new HeaderCollector();
            Assert.Equal(HPackError.None, exact.Decode([0x82, 0x82], ref collector));
            Assert.Equal(2, collector.Headers.Count);
        }

        using var tight = new HPackDecoder(maxHeaderListSize: 83);
        var seen = new HeaderCollector();
        Assert.Equal(HPackError.HeaderListTooLarge, tight.Decode([0x82, 0x82], ref seen));
        Assert.Single(seen.Headers);
    }

    [Fact]
    public void Decode_HpackBomb_StopsAtTheLimit()
    {
        // One 4000-byte value indexed once, then referenced 10,000 times: 40 MB if decoded to the end.
        var block = new List<byte> { 0x40, 0x01, (byte)'x' };
        var value = new byte[4000];
        Array.Fill(value, (byte)'v');
        var length = new byte[4];
        block.AddRange(length[..HPackInteger.Encode(value.Length, 7, 0, length)]);
        block.AddRange(value);
        for (var i = 0; i < 10_000; i++)
        {
            block.Add(0x80 | 62);
        }

        using var decoder = new HPackDecoder(maxHeaderListSize: 16 * 1024);
        var collector = new HeaderCollector();
        Assert.Equal(HPackError.HeaderListTooLarge, decoder.Decode(block.ToArray(), ref collector));
        Assert.Equal(4, collector.Headers.Count); // 4 x 4033 fits in 16 KiB, the 5th does not
    }

    [Fact]
    public void Decode_HuffmanStringOverTheBudget_StopsWhileDecoding()
    {
        // A Huffman value that decodes to 2000 '0's (5 bits each) against a 1 KiB list limit.
        var raw = new byte[2000];
        Array.Fill(raw, (byte)'0');
        var huffman = new byte[HPackHuffman.GetEncodedLength(raw)];
        HPackHuffman.Encode(raw, huffman);
        var block = new List<byte> { 0x00, 0x01, (byte)'x' };
        var prefix = new byte[4];
        block.AddRange(prefix[..HPackInteger.Encode(huffman.Length, 7, 0x80, prefix)]);
        block.AddRange(huffman);

        using var decoder = new HPackDecoder(maxHeaderListSize: 1024);
        var collector = new HeaderCollector();
        Assert.Equal(HPackError.HeaderListTooLarge, decoder.Decode(block.ToArray(), ref collector));
        Assert.Empty(collector.Headers);
    }

    [Fact]
    public void Decode_IncrementalWithDynamicNameThatGetsEvicted_NameStillRight()
    {
        // Table of 64 bytes: "n: v" (34) fits once; re-indexing with the name taken from that entry evicts it first.
        using var decoder = new HPackDecoder(maxTableSize: 64);
        AssertDecodes(decoder, "40016e0176", ("n", "v"));
        AssertDecodes(decoder, "7e0177", ("n", "w"));
        AssertDecodes(decoder, "be", ("n", "w"));
        Assert.Equal(1, decoder.DynamicTable.Count);
    }

    [Fact]
    public void Decode_TypicalRequest_AllocatesNothing()
    {
        using var encoder = new HPackEncoder();
        var block = new byte[2048];
        var length = 0;
        foreach (var (name, value) in new[] { (":method", "GET"), (":scheme", "https"), (":path", "/api/orders/7"), (":authority", "api.example.com"), ("authorization", "Bearer " + new string('t', 800)), ("user-agent", "curl/8.5.0") })
        {
            Assert.True(encoder.TryEncode(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value), HPackIndexing.Incremental, true, block.AsSpan(length), out var written));
            length += written;
        }

        using var decoder = new HPackDecoder();
        var counter = new CountingHandler();
        var bytes = Allocations.FewestBytes(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                decoder.Decode(block.AsSpan(0, length), ref counter);
            }
        });
        Assert.Equal(0, bytes);
        Assert.True(counter.Count >= 6000);
    }

    private static void AssertDecodes(HPackDecoder decoder, string hex, params (string, string)[] expected)
    {
        var collector = new HeaderCollector();
        Assert.Equal(HPackError.None, decoder.Decode(Convert.FromHexString(hex), ref collector));
        Assert.Equal(expected, collector.Headers);
    }

    private struct CountingHandler : IHeaderHandler
    {
        public int Count;

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => Count += name.Length > 0 ? 1 : 0;
    }
}
