using FastProxy.Core.Upstream;

namespace FastProxy.Http.Http2.Client;

/// <summary>
/// An HTTP/2 endpoint's pool as a forwarding adapter uses it: <see cref="UpstreamEndpoint.Multiplexed"/> of an endpoint
/// whose cluster speaks <see cref="UpstreamProtocol.Http2"/> is one of these. It opens streams on a few shared
/// connections: up to each connection's SETTINGS_MAX_CONCURRENT_STREAMS, a new connection only when the others are
/// full (up to <see cref="UpstreamPoolOptions.MaxConnectionsPerEndpoint"/>), then waiting (bounded by
/// <see cref="UpstreamPoolOptions.EffectiveMaxPendingRequests"/> and <see cref="UpstreamPoolOptions.ConnectTimeout"/>).
/// </summary>
internal interface IHttp2UpstreamStreamSource : IMultiplexedUpstreamPool
{
    /// <summary>
    /// A stream reserved on a connection that has room for it; its id is assigned when its head is sent. Throws
    /// <see cref="UpstreamConnectException"/> when no connection could be opened (connect, TLS or preface/SETTINGS
    /// failed: nothing reached an upstream application, so the request may go elsewhere) and
    /// <see cref="UpstreamOverloadedException"/> when the wait for room is refused or ran out (503). Give the stream
    /// back with <see cref="IHttp2UpstreamStream.Release"/> exactly once.
    /// </summary>
    ValueTask<IHttp2UpstreamStream> OpenStreamAsync(CancellationToken ct);
}
