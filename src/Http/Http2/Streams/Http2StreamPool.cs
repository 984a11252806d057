using Microsoft.Extensions.ObjectPool;

namespace FastProxy.Http.Http2.Streams;

/// <summary>
/// Stream objects shared by every HTTP/2 connection of the process: a stream is rented when HEADERS opens it and
/// returned when it closed and its handler ended, so an idle connection holds none.
/// </summary>
internal static class Http2StreamPool
{
    /// <summary>Streams kept for reuse: a few hundred concurrent streams per busy process; beyond that the GC takes them.</summary>
    private const int MaxRetained = 1024;

    private static readonly ObjectPool<Http2Stream> Pool = new DefaultObjectPool<Http2Stream>(new Policy(), MaxRetained);

    private static long _active;

    /// <summary>Streams open now across every connection: rented (HEADERS opened them) and not yet returned.</summary>
    public static long Active => Volatile.Read(ref _active);

    public static Http2Stream Rent()
    {
        Interlocked.Increment(ref _active);
        return Pool.Get();
    }

    public static void Return(Http2Stream stream)
    {
        Interlocked.Decrement(ref _active);
        Pool.Return(stream);
    }

    private sealed class Policy : PooledObjectPolicy<Http2Stream>
    {
        public override Http2Stream Create() => new();

        // Release() already cleared the stream before it came back.
        public override bool Return(Http2Stream obj) => true;
    }
}
