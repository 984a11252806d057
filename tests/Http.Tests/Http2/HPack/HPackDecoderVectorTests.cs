using System.Text;
using FastProxy.Http.Http2.HPack;

namespace FastProxy.Http.Tests.Http2.HPack;

/// <summary>
/// Every story of the public HPACK vectors: decoded in order with one decoder (one compression context) gives the
/// expected header lists; and our encoder's output for the same lists decodes back to them.
/// </summary>
public sealed class HPackDecoderVectorTests
{
    // Large enough for every story's biggest header list: these tests check decoding, not the limit.
    private const int NoListLimit = 1 << 20;

    public static TheoryData<string, string> EncodedStories => HPackTestVectors.EncodedStories();

    public static TheoryData<string, string> AllStories => HPackTestVectors.AllStories();

    [Theory]
    [MemberData(nameof(EncodedStories))]
    public void Decode_PublicVectorStory_GivesExpectedHeaders(string implementation, string file)
    {
        var story = HPackTestVectors.Load(implementation, file);
        using var decoder = new HPackDecoder(story.MaxTableSize, NoListLimit);
        foreach (var c in story.Cases)
        {
            if (c.HeaderTableSize is { } size)
            {
                decoder.MaxAllowedTableSize = size;
            }

            var collector = new HeaderCollector();
            var error = decoder.Decode(c.Wire, ref collector);

            Assert.Equal(HPackError.None, error);
            Assert.Equal(c.Headers, collector.Headers);
        }
    }

    [Theory]
    [MemberData(nameof(AllStories))]
    public void EncodeThenDecode_PublicVectorStory_RoundTrips(string implementation, string file)
    {
        var story = HPackTestVectors.Load(implementation, file);
        foreach (var (indexing, huffman) in new[] { (HPackIndexing.Incremental, true), (HPackIndexing.WithoutIndexing, false), (HPackIndexing.NeverIndexed, true) })
        {
            using var encoder = new HPackEncoder();
            using var decoder = new HPackDecoder(maxHeaderListSize: NoListLimit);
            var block = new byte[1 << 20];
            foreach (var c in story.Cases)
            {
                Assert.True(encoder.TryBeginBlock(block, out var length));
                foreach (var (name, value) in c.Headers)
                {
                    Assert.True(encoder.TryEncode(Encoding.UTF8.GetBytes(name), Encoding.UTF8.GetBytes(value), indexing, huffman, block.AsSpan(length), out var written));
                    length += written;
                }

                var collector = new HeaderCollector();
                Assert.Equal(HPackError.None, decoder.Decode(block.AsSpan(0, length), ref collector));
                Assert.Equal(c.Headers, collector.Headers);
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllStories))]
    public void EncodeThenDecode_TableShrinksMidStory_DecoderFollows(string implementation, string file)
    {
        var story = HPackTestVectors.Load(implementation, file);
        using var encoder = new HPackEncoder();
        using var decoder = new HPackDecoder(maxHeaderListSize: NoListLimit);
        var block = new byte[1 << 20];
        var sizes = new[] { 4096, 256, 0, 1365, 4096 };
        for (var i = 0; i < story.Cases.Count; i++)
        {
            if (i % 3 == 1)
            {
                encoder.SetMaxTableSize(sizes[i % sizes.Length]);
            }

            Assert.True(encoder.TryBeginBlock(block, out var length));
            foreach (var (name, value) in story.Cases[i].Headers)
            {
                Assert.True(encoder.TryEncode(Encoding.UTF8.GetBytes(name), Encoding.UTF8.GetBytes(value), HPackIndexing.Incremental, true, block.AsSpan(length), out var written));
                length += written;
            }

            var collector = new HeaderCollector();
            Assert.Equal(HPackError.None, decoder.Decode(block.AsSpan(0, length), ref collector));
            Assert.Equal(story.Cases[i].Headers, collector.Headers);
            Assert.Equal(encoder.DynamicTable.Size, decoder.DynamicTable.Size);
        }
    }
}
