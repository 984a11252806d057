using System.Buffers;
using System.Runtime.InteropServices;

namespace FastProxy.Core.Transport;

/// <summary>One block of a <see cref="PinnedBlockMemoryPool"/>: a pinned-heap array handed out as memory that sockets need not pin again.</summary>
internal sealed class PinnedBlock : IMemoryOwner<byte>
{
    private readonly PinnedBlockMemoryPool _pool;

    public PinnedBlock(PinnedBlockMemoryPool pool, int size)
    {
        _pool = pool;

        // The array lives on the pinned object heap, so CreateFromPinnedArray is valid and
        // Memory.Pin() (done by every socket operation) costs no GCHandle.
        var array = GC.AllocateUninitializedArray<byte>(size, pinned: true);
        Memory = MemoryMarshal.CreateFromPinnedArray(array, 0, size);
    }

    public Memory<byte> Memory { get; }

    public void Dispose() => _pool.Return(this);
}
