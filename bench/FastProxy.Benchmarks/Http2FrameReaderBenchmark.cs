using System.Buffers;
using BenchmarkDotNet.Attributes;
using FastProxy.Benchmarks.Mocks;
using FastProxy.Http.Http2;

namespace FastProxy.Benchmarks;

/// <summary>
/// Frame parsing (RFC 9113 §4-6) of one request's frames: HEADERS with a ~1 KB field block, then two DATA frames
/// (16 KiB, and 1 KiB with END_STREAM), as one segment and split in four as a PipeReader may deliver them.
/// Budget: 0 B/op (CONVENTIONS.md §18).
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("HotPath")]
public class Http2FrameReaderBenchmark
{
    private readonly Http2FrameReader _reader = new();
    private ReadOnlySequence<byte> _single;
    private ReadOnlySequence<byte> _split;

    [GlobalSetup]
    public void Setup()
    {
        var writer = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteHeaders(writer, 1, new byte[1024], endStream: false, Http2Settings.MinMaxFrameSize);
        Http2FrameWriter.WriteData(writer, 1, new byte[Http2Settings.MinMaxFrameSize], endStream: false);
        Http2FrameWriter.WriteData(writer, 1, new byte[1024], endStream: true);
        var bytes = writer.WrittenSpan.ToArray();
        _single = new ReadOnlySequence<byte>(bytes);
        _split = BenchSequence.Split(bytes, 4);
        if (ParseSingleSegment() != 3 || ParseFourSegments() != 3)
        {
            throw new InvalidOperationException("benchmark input does not parse");
        }
    }

    [Benchmark(Baseline = true)]
    public int ParseSingleSegment() => ParseAll(_single);

    [Benchmark]
    public int ParseFourSegments() => ParseAll(_split);

    private int ParseAll(ReadOnlySequence<byte> buffer)
    {
        var frames = 0;
        while (_reader.TryRead(buffer, out _, out var consumed, out _) == Http2ReadStatus.Complete)
        {
            frames++;
            buffer = buffer.Slice(consumed);
        }

        return frames;
    }
}
