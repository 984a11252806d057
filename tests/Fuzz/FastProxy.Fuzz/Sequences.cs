using System.Buffers;

namespace FastProxy.Fuzz;

/// <summary>The same bytes as one segment or cut in two, to check a parser answers the same for both.</summary>
public static class Sequences
{
    public static ReadOnlySequence<byte> Split(byte[] bytes, int at)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        at = Math.Clamp(at, 0, bytes.Length);
        var first = new Segment(bytes.AsMemory(0, at), 0);
        var last = first.Append(bytes.AsMemory(at));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
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
