using System.Buffers;
using System.Collections.Concurrent;

namespace FastProxy.Core.Transport;

/// <summary>
/// One pool block of received bytes in a <see cref="SocketPipeReader"/>'s buffer chain. The last
/// segment grows as more bytes land in its block. Segment objects are recycled process-wide.
/// </summary>
internal sealed class ReceiveSegment : ReadOnlySequenceSegment<byte>
{
    /// <summary>Recycled segments kept: bounded by bytes in flight across connections, not by connections.</summary>
    private const int MaxPooled = 4096;

    private static readonly ConcurrentQueue<ReceiveSegment> Pool = new();
    private static int s_pooled;

    private IMemoryOwner<byte>? _owner;

    /// <summary>Bytes written into this block so far.</summary>
    public int Length { get; private set; }

    /// <summary>Room left in the block.</summary>
    public int Free => _owner!.Memory.Length - Length;

    /// <summary>The block's unwritten tail, where the next receive lands.</summary>
    public Span<byte> FreeSpan => _owner!.Memory.Span[Length..];

    public static ReceiveSegment Rent(IMemoryOwner<byte> owner, long runningIndex)
    {
        if (Pool.TryDequeue(out var segment))
        {
            Interlocked.Decrement(ref s_pooled);
        }
        else
        {
            segment = new ReceiveSegment();
        }

        segment._owner = owner;
        segment.Length = 0;
        segment.Memory = default;
        segment.RunningIndex = runningIndex;
        segment.Next = null;
        return segment;
    }

    /// <summary>Gives the block back to its pool and the segment back to the recycler.</summary>
    public static void Return(ReceiveSegment segment)
    {
        segment._owner?.Dispose();
        segment._owner = null;
        segment.Memory = default;
        segment.Next = null;
        segment.Length = 0;
        if (Interlocked.Increment(ref s_pooled) <= MaxPooled)
        {
            Pool.Enqueue(segment);
        }
        else
        {
            Interlocked.Decrement(ref s_pooled);
        }
    }

    public void Commit(int bytes)
    {
        Length += bytes;
        Memory = _owner!.Memory[..Length];
    }

    public void SetNext(ReceiveSegment next) => Next = next;
}
