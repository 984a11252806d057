using System.Net;
using FastProxy.Core.Transport;

namespace FastProxy.Core.Upstream;

/// <summary>Plain TCP: <see cref="SocketConnection.ConnectAsync"/> with one set of socket options.</summary>
public sealed class TcpUpstreamConnector : IUpstreamConnector
{
    private readonly SocketConnectionOptions _options;

    public TcpUpstreamConnector(SocketConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    public async ValueTask<TransportConnection> ConnectAsync(EndPoint endpoint, TimeSpan connectTimeout, CancellationToken ct) =>
        await SocketConnection.ConnectAsync(endpoint, connectTimeout, _options, ct).ConfigureAwait(false);
}
