using System.Buffers;

namespace FastProxy.Benchmarks.Mocks;

/// <summary>Builds a multi-segment sequence once, outside the measured code (the bench cannot reference tests/Common).</summary>
internal static class BenchSequence
{
    public static ReadOnlySequence<byte> Split(byte[] data, int segments)
    {
        var size = (data.Length + segments - 1) / segments;
        Segment? first = null;
        Segment? last = null;
        for (var start = 0; start < data.Length; start += size)
        {
            var memory = data.AsMemory(start, Math.Min(size, data.Length - start)).ToArray();
            var segment = new Segment(memory, start);
            if (first is null)
            {
                first = segment;
            }
            else
            {
                last!.SetNext(segment);
            }

            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
