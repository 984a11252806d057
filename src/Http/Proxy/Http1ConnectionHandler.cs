using FastProxy.Core.Transport;
using Microsoft.Extensions.Logging;

namespace FastProxy.Http.Proxy;

/// <summary>
/// The HTTP/1.1 protocol handler plugged into the connection listener: one
/// <see cref="Http1ProxyConnection"/> per accepted connection, reading the current
/// <see cref="ProxyRuntime"/> snapshot for each request.
/// </summary>
public sealed class Http1ConnectionHandler
{
    private readonly Func<ProxyRuntime> _runtime;
    private readonly Http1ProxyOptions _options;
    private readonly ILogger _logger;

    public Http1ConnectionHandler(Func<ProxyRuntime> runtime, Http1ProxyOptions options, ILogger logger)
    {
        _runtime = runtime;
        _options = options;
        _logger = logger;
    }

    /// <summary>Serves <paramref name="connection"/> until it closes (the connection's own task: no wrapper frame kept per idle connection).</summary>
    public Task HandleAsync(TransportConnection connection, CancellationToken shuttingDown)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return new Http1ProxyConnection(connection, _runtime, _options, _logger, shuttingDown).RunAsync();
    }
}
