using FastProxy.Core.Transport;
using Microsoft.Extensions.Logging;

namespace FastProxy.Http.Proxy;

/// <summary>
/// The HTTP protocol handler plugged into the connection listener: one <see cref="Http1ProxyConnection"/> per accepted
/// connection, reading the current <see cref="ProxyRuntime"/> snapshot for each request. With an HTTP/2 handler it
/// also picks HTTP/2 where the client chose it: ALPN "h2" on a TLS connection, or the HTTP/2 preface as the first
/// bytes of a plain one (prior knowledge, RFC 9113 §3.3). No h2c Upgrade from HTTP/1.1 (RFC 9113 §3.1 deprecates it).
/// </summary>
public sealed class Http1ConnectionHandler
{
    private readonly Func<ProxyRuntime> _runtime;
    private readonly Http1ProxyOptions _options;
    private readonly ILogger _logger;
    private readonly ConnectionHandler? _http2;

    public Http1ConnectionHandler(Func<ProxyRuntime> runtime, Http1ProxyOptions options, ILogger logger, ConnectionHandler? http2 = null)
    {
        _runtime = runtime;
        _options = options;
        _logger = logger;
        _http2 = http2;
    }

    /// <summary>Serves <paramref name="connection"/> until it closes (the connection's own task: no wrapper frame kept per idle connection).</summary>
    public Task HandleAsync(TransportConnection connection, CancellationToken shuttingDown)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.Security is { } security)
        {
            // Over TLS the protocol was agreed in the handshake; no ALPN means HTTP/1.1 (RFC 9113 §3.2).
            return _http2 is not null && security.ApplicationProtocol.Span.SequenceEqual("h2"u8)
                ? _http2(connection, shuttingDown)
                : new Http1ProxyConnection(connection, _runtime, _options, _logger, shuttingDown).RunAsync();
        }

        return new Http1ProxyConnection(connection, _runtime, _options, _logger, shuttingDown, _http2).RunAsync();
    }
}
