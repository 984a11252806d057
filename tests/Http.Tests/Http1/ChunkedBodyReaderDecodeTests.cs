using System.Buffers;
using System.Text;
using FastProxy.Http.Http1;
using FastProxy.Tests.Common;

namespace FastProxy.Http.Tests.Http1;

/// <summary>
/// <see cref="ChunkedBodyReader"/> in de-chunking mode (<see cref="ChunkedBodyReader.Decode"/>), as the HTTP/2 relay
/// uses it: the payload and trailer field lines come out piece by piece, the same at every split, and everything the
/// pass-through validation refuses is refused here too.
/// </summary>
public sealed class ChunkedBodyReaderDecodeTests
{
    public static TheoryData<string, string, string> Bodies => new()
    {
        { "0\r\n\r\n", "", "" },
        { "5\r\nhello\r\n0\r\n\r\n", "hello", "" },
        { "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n", "hello world", "" },
        { "3;n=v;m\r\nabc\r\n0\r\nX-Checksum: abc\r\nGrpc-Status:   0  \r\n\r\n", "abc", "X-Checksum: abc|Grpc-Status:   0  " },
        { "2\r\n\r\n\r\n0\r\n\r\n", "\r\n", "" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Decode_WholeBody_PayloadAndTrailerLines(string body, string payload, string trailers)
    {
        var result = DecodeAll(Encoding.Latin1.GetBytes(body), [body.Length]);

        Assert.Equal((ChunkedStatus.Done, payload, trailers), result);
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Decode_FedInEverySplit_SameResult(string body, string payload, string trailers)
    {
        var bytes = Encoding.Latin1.GetBytes(body);
        for (var split = 1; split < bytes.Length; split++)
        {
            Assert.Equal((ChunkedStatus.Done, payload, trailers), DecodeAll(bytes, [split, bytes.Length]));
        }

        Assert.Equal((ChunkedStatus.Done, payload, trailers), DecodeAll(bytes, [.. Enumerable.Repeat(1, bytes.Length)]));
    }

    [Theory]
    [InlineData("5\r\nhelloXX0\r\n\r\n")]
    [InlineData("5\nhello\r\n0\r\n\r\n")]
    [InlineData("0\r\nX : 1\r\n\r\n")]
    [InlineData("0\r\nX: a\rb\r\n\r\n")]
    public void Decode_BadFraming_Error(string body)
        => Assert.Equal(ChunkedStatus.Error, DecodeAll(Encoding.Latin1.GetBytes(body), [body.Length]).Status);

    [Fact]
    public void Decode_MultiSegmentInput_DataPiecesSliceAcrossSegments()
    {
        var bytes = Encoding.Latin1.GetBytes("a\r\n0123456789\r\n0\r\nX-A: 1\r\n\r\n");
        var reader = ChunkedBodyReader.ForDecoding(long.MaxValue, Http1Limits.Default);
        var input = SequenceFactory.Chunk(bytes, 4);
        var payload = new StringBuilder();
        var status = ChunkedStatus.NeedMore;
        while (status != ChunkedStatus.Done)
        {
            status = reader.Decode(input, out var consumed, out var piece, out _);
            if (piece.Kind == ChunkedPieceKind.Data)
            {
                payload.Append(Encoding.Latin1.GetString(input.Slice(piece.Start, piece.Length).ToArray()));
            }

            input = input.Slice(consumed);
        }

        Assert.Equal("0123456789", payload.ToString());
    }

    [Fact]
    public void Decode_ReaderMadeForPassThrough_Throws()
    {
        var reader = new ChunkedBodyReader(long.MaxValue, Http1Limits.Default);

        Assert.Throws<InvalidOperationException>(() => reader.Decode(default, out _, out _, out _));
    }

    [Fact]
    public void Advance_ReaderMadeForDecoding_StillValidatesWholeBodies()
    {
        var reader = ChunkedBodyReader.ForDecoding(long.MaxValue, Http1Limits.Default);
        var bytes = Encoding.Latin1.GetBytes("5\r\nhello\r\n0\r\n\r\n");
        var consumed = 0L;
        var status = ChunkedStatus.NeedMore;

        // Each call stops after a piece; a caller that ignores pieces still ends Done at the exact end.
        while (status == ChunkedStatus.NeedMore)
        {
            status = reader.Decode(new ReadOnlySequence<byte>(bytes, (int)consumed, bytes.Length - (int)consumed), out var used, out _, out _);
            consumed += used;
        }

        Assert.Equal((ChunkedStatus.Done, bytes.Length), (status, (int)consumed));
    }

    /// <summary>Feeds the bytes as reads of the given sizes (each read appends to what was not consumed) and collects the pieces.</summary>
    private static (ChunkedStatus Status, string Payload, string Trailers) DecodeAll(byte[] bytes, int[] reads)
    {
        var reader = ChunkedBodyReader.ForDecoding(long.MaxValue, Http1Limits.Default);
        var payload = new StringBuilder();
        var trailers = new List<string>();
        var start = 0;
        var end = 0;
        foreach (var read in reads)
        {
            end = Math.Min(bytes.Length, end + read);
            while (true)
            {
                var input = new ReadOnlySequence<byte>(bytes, start, end - start);
                var status = reader.Decode(input, out var consumed, out var piece, out _);
                Assert.InRange(consumed, 0, end - start);
                if (piece.Kind != ChunkedPieceKind.None)
                {
                    Assert.InRange(piece.Start + piece.Length, 0, consumed);
                    var text = Encoding.Latin1.GetString(bytes, start + (int)piece.Start, (int)piece.Length);
                    if (piece.Kind == ChunkedPieceKind.Data)
                    {
                        payload.Append(text);
                    }
                    else
                    {
                        trailers.Add(text);
                    }
                }

                start += (int)consumed;
                if (status != ChunkedStatus.NeedMore)
                {
                    return (status, payload.ToString(), string.Join('|', trailers));
                }

                if (piece.Kind == ChunkedPieceKind.None)
                {
                    break;
                }
            }
        }

        return (ChunkedStatus.NeedMore, payload.ToString(), string.Join('|', trailers));
    }
}
