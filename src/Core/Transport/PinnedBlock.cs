using System.Buffers;
using System.Runtime.InteropServices;

namespace FastProxy.Core.Transport;

/// <summary>One block of a <see cref="PinnedBlockMemoryPool"/>: a pinned-heap array handed out as memory that sockets need not pin again.</summary>
internal sealed class PinnedBlock : IMemoryOwner<byte>
{
    private readonly PinnedBlockMemoryPool _pool;

    // 1 while rented. Disposing twice returns the block once: a block in the pool twice is rented by two connections
    // at once, each writing into the other's bytes, which then reach the wrong client (issue 10, item 10). (A stale
    // owner disposing after the block was rented again cannot be told apart; the owners' own rules prevent that.)
    private int _rented = 1;

    public PinnedBlock(PinnedBlockMemoryPool pool, int size)
    {
        _pool = pool;

        // The array lives on the pinned object heap, so CreateFromPinnedArray is valid and
        // Memory.Pin() (done by every socket operation) costs no GCHandle.
        var array = GC.AllocateUninitializedArray<byte>(size, pinned: true);
        Memory = MemoryMarshal.CreateFromPinnedArray(array, 0, size);
    }

    public Memory<byte> Memory { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _rented, 0) == 1)
        {
            _pool.Return(this);
        }
    }

    /// <summary>Taken out of the pool again: the next Dispose returns it.</summary>
    internal void OnRented() => Volatile.Write(ref _rented, 1);
}
