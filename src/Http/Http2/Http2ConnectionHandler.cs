using FastProxy.Core.Transport;
using FastProxy.Http.Http2.Streams;
using Microsoft.Extensions.Logging;

namespace FastProxy.Http.Http2;

/// <summary>
/// The HTTP/2 protocol handler plugged into a listener (h2c prior knowledge, or ALPN <c>h2</c> after TLS): one
/// <see cref="Http2Connection"/> per connection, every stream served by the one <see cref="IHttp2StreamHandler"/>.
/// On a plain listener that serves both protocols, <see cref="Http2Preface.TryRead"/> on the first bytes tells an
/// HTTP/2 client (Complete) from an HTTP/1.1 one (Error) and asks for more bytes while it cannot tell (Incomplete).
/// </summary>
public sealed class Http2ConnectionHandler
{
    private readonly IHttp2StreamHandler _streams;
    private readonly Http2ConnectionOptions _options;
    private readonly ILogger _logger;

    internal Http2ConnectionHandler(IHttp2StreamHandler streams, Http2ConnectionOptions options, ILogger logger)
    {
        _streams = streams;
        _options = options;
        _logger = logger;
    }

    /// <summary>Serves <paramref name="connection"/> until it closes; <paramref name="shuttingDown"/> starts a graceful drain (GOAWAY NO_ERROR).</summary>
    public Task HandleAsync(TransportConnection connection, CancellationToken shuttingDown)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return new Http2Connection(connection, _streams, _options, _logger, shuttingDown).RunAsync();
    }
}
