using System.Buffers;
using FastProxy.Core.Transport;

namespace FastProxy.Core.Tests.Transport;

/// <summary>
/// A <see cref="PinnedBlockMemoryPool"/> that records who gives its blocks back: how many are out, how many were
/// returned twice, and how many were returned by the test's own thread while <see cref="Watch"/> is on (a call the
/// test makes, which must not return blocks it does not own).
/// </summary>
internal sealed class TrackingMemoryPool : MemoryPool<byte>
{
    private readonly PinnedBlockMemoryPool _inner = new();
    private int _outstanding;
    private int _returnedTwice;
    private int _returnedWhileWatched;
    private int _watchingThread = -1;

    public override int MaxBufferSize => _inner.MaxBufferSize;

    public int Outstanding => Volatile.Read(ref _outstanding);

    public int ReturnedTwice => Volatile.Read(ref _returnedTwice);

    public int ReturnedWhileWatched => Volatile.Read(ref _returnedWhileWatched);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        Interlocked.Increment(ref _outstanding);
        return new Block(this, _inner.Rent(minBufferSize));
    }

    /// <summary>Counts the blocks the calling thread returns until the result is disposed.</summary>
    public IDisposable Watch()
    {
        Volatile.Write(ref _watchingThread, Environment.CurrentManagedThreadId);
        return new Watching(this);
    }

    protected override void Dispose(bool disposing) => _inner.Dispose();

    private void OnReturned(bool twice)
    {
        if (twice)
        {
            Interlocked.Increment(ref _returnedTwice);
            return;
        }

        Interlocked.Decrement(ref _outstanding);
        if (Volatile.Read(ref _watchingThread) == Environment.CurrentManagedThreadId)
        {
            Interlocked.Increment(ref _returnedWhileWatched);
        }
    }

    private sealed class Watching(TrackingMemoryPool pool) : IDisposable
    {
        public void Dispose() => Volatile.Write(ref pool._watchingThread, -1);
    }

    /// <summary>One lease of an inner block; returning it twice is recorded, and passed on only once.</summary>
    private sealed class Block(TrackingMemoryPool pool, IMemoryOwner<byte> inner) : IMemoryOwner<byte>
    {
        private int _returned;

        public Memory<byte> Memory { get; } = inner.Memory;

        public void Dispose()
        {
            var twice = Interlocked.Exchange(ref _returned, 1) != 0;
            pool.OnReturned(twice);
            if (!twice)
            {
                inner.Dispose();
            }
        }
    }
}
