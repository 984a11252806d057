using System.Buffers;
using FastProxy.Http.Http1;
using FastProxy.Tests.Common;
using static FastProxy.Http.Tests.Http1.Http1TestInput;

namespace FastProxy.Http.Tests.Http1;

public sealed class ChunkedBodyReaderTests
{
    private const long NoLimit = long.MaxValue;

    public static TheoryData<string, long> GoodBodies => new()
    {
        { "0\r\n\r\n", 0 },
        { "5\r\nhello\r\n0\r\n\r\n", 5 },
        { "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 11 },
        { "A\r\n0123456789\r\n0\r\n\r\n", 10 },
        { "a\r\n0123456789\r\n000\r\n\r\n", 10 },
        { "0003\r\nabc\r\n0\r\n\r\n", 3 },
        { "3;name\r\nabc\r\n0;a=b;c=\"q \\\" d\"\r\n\r\n", 3 },
        { "3;n=v;m\r\nabc\r\n0\r\nX-Checksum: abc\r\nGrpc-Status: 0\r\n\r\n", 3 },
        { "2\r\n\r\n\r\n0\r\n\r\n", 2 },
        { "1\r\n\u00ff\r\n0\r\nX:\r\n\r\n", 1 },
    };

    public static TheoryData<string, Http1ErrorKind> BadBodies => new()
    {
        { "\r\n", Http1ErrorKind.InvalidChunkSize },
        { "g\r\n", Http1ErrorKind.InvalidChunkSize },
        { "-5\r\nhello\r\n", Http1ErrorKind.InvalidChunkSize },
        { "+5\r\nhello\r\n", Http1ErrorKind.InvalidChunkSize },
        { "0x5\r\nhello\r\n", Http1ErrorKind.InvalidChunkSize },
        { " 5\r\nhello\r\n", Http1ErrorKind.InvalidChunkSize },
        { "5 \r\nhello\r\n", Http1ErrorKind.InvalidChunkSize },
        { "5 ;a\r\nhello\r\n", Http1ErrorKind.InvalidChunkSize },
        { "1000000000000000\r\n", Http1ErrorKind.InvalidChunkSize },
        { "ffffffffffffffffff\r\n", Http1ErrorKind.InvalidChunkSize },
        { "5\nhello\r\n", Http1ErrorKind.BareLF },
        { "5\r\nhello\n0\r\n\r\n", Http1ErrorKind.BareLF },
        { "5\r\nhello\r\n0\r\n\n", Http1ErrorKind.BareLF },
        { "5\r\nhello\r\n0\r\nX: 1\n\r\n", Http1ErrorKind.BareLF },
        { "5\r\nhelloX\r\n", Http1ErrorKind.InvalidChunkTerminator },
        { "5\r\nhello\rX", Http1ErrorKind.BareCR },
        { "5\r\r\nhello\r\n", Http1ErrorKind.BareCR },
        { "5;\r\nhello\r\n", Http1ErrorKind.InvalidChunkExtension },
        { "5; a\r\nhello\r\n", Http1ErrorKind.InvalidChunkExtension },
        { "5;a=\r\nhello\r\n", Http1ErrorKind.InvalidChunkExtension },
        { "5;a b\r\nhello\r\n", Http1ErrorKind.InvalidChunkExtension },
        { "5;a=\"x\r\nhello\r\n", Http1ErrorKind.InvalidChunkExtension },
        { "5;a=\"x\0\"\r\nhello\r\n", Http1ErrorKind.InvalidChunkExtension },
        { "5;a=b=c\r\nhello\r\n", Http1ErrorKind.InvalidChunkExtension },
        { "5;a=\"x\"y\r\nhello\r\n", Http1ErrorKind.InvalidChunkExtension },
        { "5;a\0\r\nhello\r\n", Http1ErrorKind.InvalidChunkExtension },
        { "0\r\nX : 1\r\n\r\n", Http1ErrorKind.WhitespaceBeforeColon },
        { "0\r\n folded\r\n\r\n", Http1ErrorKind.ObsFold },
        { "0\r\nNoColon\r\n\r\n", Http1ErrorKind.MissingColon },
        { "0\r\nX: a\0\r\n\r\n", Http1ErrorKind.InvalidCharacter },
        { "0\r\nX: a\rb\r\n\r\n", Http1ErrorKind.BareCR },
    };

    [Theory]
    [MemberData(nameof(GoodBodies))]
    public void Advance_WholeBody_DoneAtExactEnd(string body, long payload)
    {
        var bytes = Bytes(body + "NEXT");
        var reader = new ChunkedBodyReader(NoLimit, Http1Limits.Default);
        var status = reader.Advance(new ReadOnlySequence<byte>(bytes), out var valid, out var error);
        Assert.Equal(ChunkedStatus.Done, status);
        Assert.Equal(Http1ErrorKind.None, error);
        Assert.Equal(body.Length, valid);
        Assert.Equal(payload, reader.BodyBytes);
        Assert.True(reader.IsDone);
    }

    [Theory]
    [MemberData(nameof(GoodBodies))]
    public void Advance_FedInEverySplit_SameResult(string body, long payload)
    {
        var bytes = Bytes(body);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var (status, total, _, bodyBytes) = Feed(bytes, NoLimit, [split, bytes.Length - split]);
            Assert.Equal(ChunkedStatus.Done, status);
            Assert.Equal(bytes.Length, total);
            Assert.Equal(payload, bodyBytes);
        }

        var oneByOne = Feed(bytes, NoLimit, Enumerable.Repeat(1, bytes.Length).ToArray());
        Assert.Equal((ChunkedStatus.Done, (long)bytes.Length, Http1ErrorKind.None, payload), oneByOne);
    }

    [Theory]
    [MemberData(nameof(GoodBodies))]
    public void Advance_MultiSegmentInput_SameResult(string body, long payload)
    {
        var bytes = Bytes(body);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var reader = new ChunkedBodyReader(NoLimit, Http1Limits.Default);
            Assert.Equal(ChunkedStatus.Done, reader.Advance(SequenceFactory.Split(bytes, split), out var valid, out _));
            Assert.Equal(bytes.Length, valid);
            Assert.Equal(payload, reader.BodyBytes);
        }

        var oneByte = new ChunkedBodyReader(NoLimit, Http1Limits.Default);
        Assert.Equal(ChunkedStatus.Done, oneByte.Advance(SequenceFactory.Chunk(bytes, 1), out var all, out _));
        Assert.Equal(bytes.Length, all);
    }

    [Theory]
    [MemberData(nameof(GoodBodies))]
    public void Advance_EveryPrefix_NeedMoreWithinPrefix(string body, long payload)
    {
        _ = payload;
        var bytes = Bytes(body);
        for (var length = 0; length < bytes.Length; length++)
        {
            var reader = new ChunkedBodyReader(NoLimit, Http1Limits.Default);
            var status = reader.Advance(new ReadOnlySequence<byte>(bytes, 0, length), out var valid, out _);
            Assert.Equal(ChunkedStatus.NeedMore, status);
            Assert.InRange(valid, 0, length);
        }
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public void Advance_BadFraming_Error(string body, Http1ErrorKind kind)
    {
        var reader = new ChunkedBodyReader(NoLimit, Http1Limits.Default);
        var status = reader.Advance(new ReadOnlySequence<byte>(Bytes(body)), out _, out var error);
        Assert.Equal(ChunkedStatus.Error, status);
        Assert.Equal(kind, error);

        Assert.Equal(ChunkedStatus.Error, reader.Advance(new ReadOnlySequence<byte>(Bytes("0\r\n\r\n")), out var after, out var again));
        Assert.Equal(kind, again);
        Assert.Equal(0, after);
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public void Advance_BadFramingFedInEverySplit_SameError(string body, Http1ErrorKind kind)
    {
        var bytes = Bytes(body);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var (status, _, error, _) = Feed(bytes, NoLimit, [split, bytes.Length - split]);
            Assert.Equal(ChunkedStatus.Error, status);
            Assert.Equal(kind, error);
        }

        var oneByOne = Feed(bytes, NoLimit, Enumerable.Repeat(1, bytes.Length).ToArray());
        Assert.Equal(ChunkedStatus.Error, oneByOne.Status);
        Assert.Equal(kind, oneByOne.Error);

        var segmented = new ChunkedBodyReader(NoLimit, Http1Limits.Default);
        Assert.Equal(ChunkedStatus.Error, segmented.Advance(SequenceFactory.Chunk(bytes, 1), out _, out var segmentedError));
        Assert.Equal(kind, segmentedError);
    }

    [Fact]
    public void Advance_PartialChunkData_ReleasedBeforeChunkEnds()
    {
        var reader = new ChunkedBodyReader(NoLimit, Http1Limits.Default);
        var status = reader.Advance(new ReadOnlySequence<byte>(Bytes("a\r\n0123")), out var valid, out _);
        Assert.Equal(ChunkedStatus.NeedMore, status);
        Assert.Equal(7, valid);
        Assert.Equal(4, reader.BodyBytes);

        status = reader.Advance(new ReadOnlySequence<byte>(Bytes("456789\r")), out valid, out _);
        Assert.Equal(ChunkedStatus.NeedMore, status);
        Assert.Equal(6, valid);

        status = reader.Advance(new ReadOnlySequence<byte>(Bytes("\r\n0\r\n\r\n")), out valid, out _);
        Assert.Equal(ChunkedStatus.Done, status);
        Assert.Equal(7, valid);
    }

    [Fact]
    public void Advance_IncompleteSizeLine_NotReleased()
    {
        var reader = new ChunkedBodyReader(NoLimit, Http1Limits.Default);
        Assert.Equal(ChunkedStatus.NeedMore, reader.Advance(new ReadOnlySequence<byte>(Bytes("5;ext=1\r")), out var valid, out _));
        Assert.Equal(0, valid);
    }

    [Fact]
    public void Advance_BodyOverLimit_BodyTooLarge()
    {
        var reader = new ChunkedBodyReader(8, Http1Limits.Default);
        Assert.Equal(ChunkedStatus.NeedMore, reader.Advance(new ReadOnlySequence<byte>(Bytes("5\r\nhello\r\n")), out var valid, out _));
        Assert.Equal(10, valid);
        Assert.Equal(ChunkedStatus.Error, reader.Advance(new ReadOnlySequence<byte>(Bytes("4\r\nabcd\r\n")), out valid, out var error));
        Assert.Equal(Http1ErrorKind.BodyTooLarge, error);
        Assert.Equal(413, Http1ParseError.RequestStatus(error));
        Assert.Equal(0, valid);
    }

    [Fact]
    public void Advance_BodyExactlyAtLimit_Done()
    {
        var reader = new ChunkedBodyReader(8, Http1Limits.Default);
        Assert.Equal(ChunkedStatus.Done, reader.Advance(new ReadOnlySequence<byte>(Bytes("5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n")), out _, out _));
        Assert.Equal(8, reader.BodyBytes);
    }

    [Fact]
    public void Advance_HugeChunkSize_BodyTooLargeWithoutOverflow()
    {
        var reader = new ChunkedBodyReader(NoLimit - 1, Http1Limits.Default);
        Assert.Equal(ChunkedStatus.NeedMore, reader.Advance(new ReadOnlySequence<byte>(Bytes("fffffffffffffff\r\n")), out _, out var error));
        Assert.Equal(Http1ErrorKind.None, error);
        var limited = new ChunkedBodyReader(1 << 20, Http1Limits.Default);
        Assert.Equal(ChunkedStatus.Error, limited.Advance(new ReadOnlySequence<byte>(Bytes("fffffffffffffff\r\n")), out _, out error));
        Assert.Equal(Http1ErrorKind.BodyTooLarge, error);
    }

    [Fact]
    public void Advance_ChunkLineOverLimit_ErrorEvenWithoutLineEnd()
    {
        var limits = new Http1Limits(64, 1024, 10, 16, 64);
        var ok = new ChunkedBodyReader(NoLimit, limits);
        Assert.Equal(ChunkedStatus.NeedMore, ok.Advance(new ReadOnlySequence<byte>(Bytes("1;aaaaaaaaaaaaaa\r\n")), out var valid, out _));
        Assert.Equal(18, valid);

        var reader = new ChunkedBodyReader(NoLimit, limits);
        Assert.Equal(ChunkedStatus.Error, reader.Advance(new ReadOnlySequence<byte>(Bytes("1;" + new string('a', 30))), out _, out var error));
        Assert.Equal(Http1ErrorKind.ChunkLineTooLong, error);

        var incomplete = new ChunkedBodyReader(NoLimit, limits);
        Assert.Equal(ChunkedStatus.NeedMore, incomplete.Advance(new ReadOnlySequence<byte>(Bytes("1;" + new string('a', 15))), out _, out _));
    }

    [Fact]
    public void Advance_TrailerOverLimit_TrailerTooLarge()
    {
        var limits = new Http1Limits(64, 1024, 10, 64, 16);
        var exact = new ChunkedBodyReader(NoLimit, limits);
        Assert.Equal(ChunkedStatus.Done, exact.Advance(new ReadOnlySequence<byte>(Bytes("0\r\nX: 123456789\r\n\r\n")), out _, out _));

        var reader = new ChunkedBodyReader(NoLimit, limits);
        Assert.Equal(ChunkedStatus.Error, reader.Advance(new ReadOnlySequence<byte>(Bytes("0\r\nX: 1234567890\r\n\r\n")), out _, out var error));
        Assert.Equal(Http1ErrorKind.TrailerTooLarge, error);

        var (status, _, streamed, _) = Feed(Bytes("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"), NoLimit, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], limits);
        Assert.Equal(ChunkedStatus.Error, status);
        Assert.Equal(Http1ErrorKind.TrailerTooLarge, streamed);
    }

    [Fact]
    public void Advance_LongLineAcrossSegments_UsesPooledScratch()
    {
        var limits = new Http1Limits(64, 1024, 10, 1024, 2048);
        var body = "5;" + new string('e', 600) + "\r\nhello\r\n0\r\nX-Long: " + new string('v', 600) + "\r\n\r\n";
        var reader = new ChunkedBodyReader(NoLimit, limits);
        Assert.Equal(ChunkedStatus.Done, reader.Advance(SequenceFactory.Chunk(Bytes(body), 100), out var valid, out _));
        Assert.Equal(body.Length, valid);
    }

    [Fact]
    public void Advance_AfterDone_ReturnsDoneWithNothing()
    {
        var reader = new ChunkedBodyReader(NoLimit, Http1Limits.Default);
        Assert.Equal(ChunkedStatus.Done, reader.Advance(new ReadOnlySequence<byte>(Bytes("0\r\n\r\n")), out _, out _));
        Assert.Equal(ChunkedStatus.Done, reader.Advance(new ReadOnlySequence<byte>(Bytes("GET /")), out var valid, out _));
        Assert.Equal(0, valid);
    }

    public static TheoryData<string, string> BodiesWithTrailersDropped => new()
    {
        { "0\r\n\r\n", "0\r\n\r\n" },
        { "5\r\nhello\r\n0\r\n\r\n", "5\r\nhello\r\n0\r\n\r\n" },
        { "5\r\nhello\r\n0\r\nX-User-Id: admin\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n", "5\r\nhello\r\n0\r\n\r\n" },
        { "3;n=v\r\nabc\r\n0;last=1\r\nX-Checksum: abc\r\n\r\n", "3;n=v\r\nabc\r\n0;last=1\r\n\r\n" },
        { "0\r\nX:\r\n\r\n", "0\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(BodiesWithTrailersDropped))]
    public void Advance_DropTrailers_WholeBody_TrailerSectionConsumedNotForwarded(string body, string forwarded)
    {
        var bytes = Bytes(body + "NEXT");
        var reader = new ChunkedBodyReader(NoLimit, Http1Limits.Default, dropTrailers: true);
        var status = reader.Advance(new ReadOnlySequence<byte>(bytes), out var valid, out var forward, out var error);
        Assert.Equal(ChunkedStatus.Done, status);
        Assert.Equal(Http1ErrorKind.None, error);
        Assert.Equal(body.Length, valid);
        Assert.Equal(forwarded, Text(bytes.AsSpan(0, (int)forward)) + Text(ChunkedBodyReader.EmptyTrailerSection));
    }

    [Theory]
    [MemberData(nameof(BodiesWithTrailersDropped))]
    public void Advance_DropTrailersFedInEverySplit_SameBytesForwarded(string body, string forwarded)
    {
        var bytes = Bytes(body);
        for (var split = 0; split <= bytes.Length; split++)
        {
            Assert.Equal((ChunkedStatus.Done, forwarded), FeedForwarding(bytes, [split, bytes.Length - split]));
        }

        Assert.Equal((ChunkedStatus.Done, forwarded), FeedForwarding(bytes, Enumerable.Repeat(1, bytes.Length).ToArray()));
    }

    [Theory]
    [MemberData(nameof(GoodBodies))]
    public void Advance_KeepTrailers_ForwardsEveryValidByte(string body, long payload)
    {
        _ = payload;
        var reader = new ChunkedBodyReader(NoLimit, Http1Limits.Default);
        Assert.Equal(ChunkedStatus.Done, reader.Advance(new ReadOnlySequence<byte>(Bytes(body)), out var valid, out var forward, out _));
        Assert.Equal(valid, forward);
        Assert.Equal(body.Length, forward);
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public void Advance_DropTrailers_BadFramingStillRejected(string body, Http1ErrorKind kind)
    {
        var reader = new ChunkedBodyReader(NoLimit, Http1Limits.Default, dropTrailers: true);
        Assert.Equal(ChunkedStatus.Error, reader.Advance(new ReadOnlySequence<byte>(Bytes(body)), out _, out _, out var error));
        Assert.Equal(kind, error);
    }

    [Fact]
    public void Advance_DropTrailers_TrailerOverLimit_TrailerTooLarge()
    {
        var limits = new Http1Limits(64, 1024, 10, 64, 16);
        var reader = new ChunkedBodyReader(NoLimit, limits, dropTrailers: true);
        Assert.Equal(ChunkedStatus.Error, reader.Advance(new ReadOnlySequence<byte>(Bytes("0\r\nX: 1234567890\r\n\r\n")), out _, out _, out var error));
        Assert.Equal(Http1ErrorKind.TrailerTooLarge, error);
    }

    [Fact]
    public void Advance_TrailerFieldsOverHeaderCount_TrailerTooLarge()
    {
        var limits = new Http1Limits(64, 1024, 2, 64, 1024);
        var two = new ChunkedBodyReader(NoLimit, limits);
        Assert.Equal(ChunkedStatus.Done, two.Advance(new ReadOnlySequence<byte>(Bytes("0\r\nA: 1\r\nB: 2\r\n\r\n")), out _, out _));

        var three = new ChunkedBodyReader(NoLimit, limits, dropTrailers: true);
        Assert.Equal(ChunkedStatus.Error, three.Advance(new ReadOnlySequence<byte>(Bytes("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")), out _, out _, out var error));
        Assert.Equal(Http1ErrorKind.TrailerTooLarge, error);
    }

    [Fact]
    public void Advance_DropTrailers_AllocatesNothing()
    {
        var whole = new ReadOnlySequence<byte>(Bytes("5\r\nhello\r\n0\r\nX-User-Id: admin\r\nX-Checksum: abc\r\n\r\n"));
        var segmented = SequenceFactory.Chunk(Bytes("5;ext=1\r\nhello\r\n0\r\nX-User-Id: admin\r\n\r\n"), 3);
        var bytes = Allocations.FewestBytes(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                var reader = new ChunkedBodyReader(NoLimit, Http1Limits.Default, dropTrailers: true);
                reader.Advance(whole, out _, out _, out _);
                var split = new ChunkedBodyReader(NoLimit, Http1Limits.Default, dropTrailers: true);
                split.Advance(segmented, out _, out _, out _);
            }
        });
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void Constructor_NegativeLimit_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkedBodyReader(-1, Http1Limits.Default));

    /// <summary>
    /// Feeds <paramref name="bytes"/> to a reader that drops trailers, the way the proxy's copy does, and returns what it
    /// would send: each read's forwarded bytes, then the empty trailer section once done.
    /// </summary>
    private static (ChunkedStatus Status, string Forwarded) FeedForwarding(byte[] bytes, int[] reads)
    {
        var reader = new ChunkedBodyReader(NoLimit, Http1Limits.Default, dropTrailers: true);
        var sent = new System.Text.StringBuilder();
        var start = 0;
        var end = 0;
        var status = ChunkedStatus.NeedMore;
        foreach (var read in reads)
        {
            end = Math.Min(bytes.Length, end + read);
            status = reader.Advance(new ReadOnlySequence<byte>(bytes, start, end - start), out var valid, out var forward, out _);
            Assert.InRange(forward, 0, valid);
            sent.Append(Text(bytes.AsSpan(start, (int)forward)));
            start += (int)valid;
            if (status == ChunkedStatus.Done)
            {
                sent.Append(Text(ChunkedBodyReader.EmptyTrailerSection));
            }

            if (status != ChunkedStatus.NeedMore)
            {
                break;
            }
        }

        return (status, sent.ToString());
    }

    private static string Text(ReadOnlySpan<byte> bytes) => System.Text.Encoding.Latin1.GetString(bytes);

    /// <summary>
    /// Feeds <paramref name="bytes"/> the way a forwarder does: each read appends <paramref name="reads"/>[i] new bytes
    /// to what was not yet validated, and validated bytes are dropped.
    /// </summary>
    private static (ChunkedStatus Status, long Total, Http1ErrorKind Error, long BodyBytes) Feed(
        byte[] bytes, long maxBody, int[] reads, Http1Limits limits = default)
    {
        var reader = new ChunkedBodyReader(maxBody, limits);
        var start = 0;
        var end = 0;
        long total = 0;
        var status = ChunkedStatus.NeedMore;
        foreach (var read in reads)
        {
            end = Math.Min(bytes.Length, end + read);
            status = reader.Advance(new ReadOnlySequence<byte>(bytes, start, end - start), out var valid, out var error);
            Assert.InRange(valid, 0, end - start);
            total += valid;
            start += (int)valid;
            if (status != ChunkedStatus.NeedMore)
            {
                return (status, total, error, reader.BodyBytes);
            }
        }

        return (status, total, Http1ErrorKind.None, reader.BodyBytes);
    }
}
