using FastProxy.Core.Upstream;

namespace FastProxy.Http.Http2.Client;

/// <summary>What the host plugs into <see cref="UpstreamPoolOptions.MultiplexedPoolFactory"/> for an HTTP/2 cluster.</summary>
public static class Http2UpstreamPoolFactory
{
    /// <summary>A factory building one <see cref="Http2UpstreamPool"/> per endpoint, all sharing <paramref name="options"/>.</summary>
    public static Func<MultiplexedPoolContext, IMultiplexedUpstreamPool> Create(Http2UpstreamOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return context => new Http2UpstreamPool(context, options);
    }
}
