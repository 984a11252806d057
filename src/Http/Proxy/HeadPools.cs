using FastProxy.Http.Http1;
using Microsoft.Extensions.ObjectPool;

namespace FastProxy.Http.Proxy;

/// <summary>
/// Request and response head objects shared by all connections: a connection rents them when a
/// request's first bytes arrive and returns them when the request ends, so an idle keep-alive
/// connection holds neither the objects nor their field tables.
/// </summary>
internal static class HeadPools
{
    // Enough for every request in flight on a busy single-core proxy; beyond it heads are
    // allocated and dropped, which costs garbage, never correctness.
    private const int MaxRetained = 1024;

    public static readonly ObjectPool<Http1RequestHead> Requests = new DefaultObjectPool<Http1RequestHead>(new RequestPolicy(), MaxRetained);

    public static readonly ObjectPool<Http1ResponseHead> Responses = new DefaultObjectPool<Http1ResponseHead>(new ResponsePolicy(), MaxRetained);

    private sealed class RequestPolicy : PooledObjectPolicy<Http1RequestHead>
    {
        public override Http1RequestHead Create() => new();

        public override bool Return(Http1RequestHead obj)
        {
            obj.Reset();
            return true;
        }
    }

    private sealed class ResponsePolicy : PooledObjectPolicy<Http1ResponseHead>
    {
        public override Http1ResponseHead Create() => new();

        public override bool Return(Http1ResponseHead obj)
        {
            obj.Reset();
            return true;
        }
    }
}
