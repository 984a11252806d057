using Microsoft.Extensions.ObjectPool;

namespace FastProxy.Http.Forwarding;

/// <summary>Exchanges shared by all connections: rented when a request's head is complete, returned when its record is out.</summary>
internal static class ExchangePool
{
    // As HeadPools: enough for every request in flight on a busy single-core proxy; beyond it exchanges are
    // allocated and dropped, which costs garbage, never correctness.
    private const int MaxRetained = 1024;

    private static readonly ObjectPool<ForwardingExchange> Pool = new DefaultObjectPool<ForwardingExchange>(new Policy(), MaxRetained);

    public static ForwardingExchange Rent() => Pool.Get();

    public static void Return(ForwardingExchange exchange) => Pool.Return(exchange);

    private sealed class Policy : PooledObjectPolicy<ForwardingExchange>
    {
        public override ForwardingExchange Create() => new();

        public override bool Return(ForwardingExchange obj)
        {
            obj.Reset();
            return true;
        }
    }
}
