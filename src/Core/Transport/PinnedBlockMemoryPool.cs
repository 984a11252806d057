using System.Buffers;
using System.Collections.Concurrent;

namespace FastProxy.Core.Transport;

/// <summary>
/// Fixed-size pinned blocks for socket buffers (Kestrel's PinnedBlockMemoryPool, simplified):
/// a connection leases a block only while bytes are in flight and returns it as soon as the pipe
/// consumes them, so idle connections hold none. Returned blocks are kept for reuse up to
/// <see cref="MaxRetainedBlocks"/>; beyond that they are dropped for the GC, so a burst does not
/// pin memory forever.
/// </summary>
public sealed class PinnedBlockMemoryPool : MemoryPool<byte>
{
    /// <summary>4 KiB: one page, Kestrel's block size, and the pipe's minimum segment size.</summary>
    public const int DefaultBlockSize = 4096;

    /// <summary>1024 blocks = 4 MiB kept warm; enough for ~1000 busy connections before blocks are reallocated.</summary>
    public const int DefaultMaxRetainedBlocks = 1024;

    private readonly ConcurrentQueue<PinnedBlock> _blocks = new();
    private int _retained;
    private int _created;
    private int _dropped;
    private long _rents;
    private bool _disposed;

    public PinnedBlockMemoryPool(int blockSize = DefaultBlockSize, int maxRetainedBlocks = DefaultMaxRetainedBlocks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 256);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetainedBlocks);
        BlockSize = blockSize;
        MaxRetainedBlocks = maxRetainedBlocks;
    }

    /// <summary>The process-wide pool the transport uses unless told otherwise.</summary>
    public static new PinnedBlockMemoryPool Shared { get; } = new();

    public int BlockSize { get; }

    public int MaxRetainedBlocks { get; }

    /// <summary>Blocks sitting in the pool, ready for reuse.</summary>
    public int RetainedCount => Volatile.Read(ref _retained);

    /// <summary>Blocks rented and not yet returned (blocks in use by connections right now).</summary>
    public int Outstanding => Volatile.Read(ref _created) - Volatile.Read(ref _retained) - Volatile.Read(ref _dropped);

    public override int MaxBufferSize => BlockSize;

    /// <summary>
    /// Rents so far, counted without synchronisation (lost increments are fine): a cheap sign of
    /// activity for <see cref="IdleMemoryReclaimer"/>, not an exact count.
    /// </summary>
    public long ActivityStamp => Volatile.Read(ref _rents);

    /// <summary>Drops retained blocks beyond <paramref name="keep"/> for the GC; returns how many were dropped.</summary>
    public int Trim(int keep)
    {
        var dropped = 0;
        while (Volatile.Read(ref _retained) > keep && _blocks.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _retained);
            Interlocked.Increment(ref _dropped);
            dropped++;
        }

        return dropped;
    }

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
        {
            ThrowTooLarge(minBufferSize);
        }

        _rents++;

        if (_blocks.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _retained);
            block.OnRented();
            return block;
        }

        Interlocked.Increment(ref _created);
        return new PinnedBlock(this, BlockSize);
    }

    internal void Return(PinnedBlock block)
    {
        if (!Volatile.Read(ref _disposed) && Interlocked.Increment(ref _retained) <= MaxRetainedBlocks)
        {
            _blocks.Enqueue(block);
            return;
        }

        if (!Volatile.Read(ref _disposed))
        {
            Interlocked.Decrement(ref _retained);
        }

        // Over the cap (or disposed): let the GC have it.
        Interlocked.Increment(ref _dropped);
    }

    protected override void Dispose(bool disposing)
    {
        Volatile.Write(ref _disposed, true);
        while (_blocks.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _retained);
            Interlocked.Increment(ref _dropped);
        }
    }

    private void ThrowTooLarge(int size) =>
        throw new ArgumentOutOfRangeException(nameof(size), size, $"Blocks are {BlockSize} bytes; the pipe should fall back to ArrayPool for larger hints.");
}
