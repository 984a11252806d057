using System.Buffers;
using FastProxy.Http.Http2;
using FastProxy.Tests.Common;

namespace FastProxy.Http.Tests.Http2;

public sealed class Http2FieldBlockBufferTests
{
    [Fact]
    public void Append_FragmentsAcrossSegments_JoinedInOrder()
    {
        var data = new byte[10_000];
        Random.Shared.NextBytes(data);
        using var buffer = new Http2FieldBlockBuffer();
        buffer.Append(SequenceFactory.Chunk(data.AsSpan(0, 3000), 7));
        buffer.Append(new ReadOnlySequence<byte>(data, 3000, 7000));

        Assert.Equal(data, buffer.Block.ToArray());
        buffer.Reset();
        Assert.Equal(0, buffer.Block.Length);
    }

    [Fact]
    public void TryGetSingleSpan_WholeBlockInOneSegment_NoCopyNeeded()
    {
        var writer = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteHeaders(writer, 1, [0x82, 0x86], endStream: true, Http2Settings.MinMaxFrameSize);
        Http2FrameWriter.WriteRaw(writer, Http2FrameType.Headers, Http2FrameFlags.None, 3, [0x82]);
        var sequence = new ReadOnlySequence<byte>(writer.WrittenMemory);
        var reader = new Http2FrameReader();

        reader.TryRead(sequence, out var whole, out var consumed, out _);
        Assert.True(Http2FieldBlockBuffer.TryGetSingleSpan(whole, out var block));
        Assert.Equal([0x82, 0x86], block.ToArray());

        reader.TryRead(sequence.Slice(consumed), out var open, out _, out _);
        Assert.False(Http2FieldBlockBuffer.TryGetSingleSpan(open, out _));
    }
}
