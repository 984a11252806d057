using System.Buffers;

namespace FastProxy.Tests.Common;

/// <summary>
/// Builds multi-segment <see cref="ReadOnlySequence{T}"/> values so byte parsers can be tested at every split point
/// (CONVENTIONS.md §16). Each segment gets its own array, so an overrun past a segment end is not masked.
/// </summary>
public static class SequenceFactory
{
    /// <summary>One segment per argument (empty segments are kept: real pipes can produce them).</summary>
    public static ReadOnlySequence<byte> Create(params ReadOnlyMemory<byte>[] segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        if (segments.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        if (segments.Length == 1)
        {
            return new ReadOnlySequence<byte>(segments[0].ToArray());
        }

        var first = new Segment(segments[0].ToArray(), 0);
        var last = first;
        for (var i = 1; i < segments.Length; i++)
        {
            last = last.Append(segments[i].ToArray());
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Splits <paramref name="data"/> at the given ascending offsets.</summary>
    public static ReadOnlySequence<byte> Split(ReadOnlySpan<byte> data, params int[] splitPoints)
    {
        ArgumentNullException.ThrowIfNull(splitPoints);
        var parts = new ReadOnlyMemory<byte>[splitPoints.Length + 1];
        var start = 0;
        for (var i = 0; i < splitPoints.Length; i++)
        {
            parts[i] = data[start..splitPoints[i]].ToArray();
            start = splitPoints[i];
        }

        parts[^1] = data[start..].ToArray();
        return Create(parts);
    }

    /// <summary>Cuts <paramref name="data"/> into segments of <paramref name="segmentSize"/> bytes (the last may be shorter).</summary>
    public static ReadOnlySequence<byte> Chunk(ReadOnlySpan<byte> data, int segmentSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentSize, 1);
        if (data.IsEmpty)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var count = (data.Length + segmentSize - 1) / segmentSize;
        var parts = new ReadOnlyMemory<byte>[count];
        for (var i = 0; i < count; i++)
        {
            var start = i * segmentSize;
            parts[i] = data[start..Math.Min(start + segmentSize, data.Length)].ToArray();
        }

        return Create(parts);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
