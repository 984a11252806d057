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

    public async Task HandleAsync(SocketConnection connection, CancellationToken shuttingDown)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var proxy = new Http1ProxyConnection(connection, _runtime, _options, _logger, shuttingDown);
        try
        {
            await proxy.RunAsync();
        }
        catch (IOException ex)
        {
            // The peer reset or the transport aborted mid-request: routine on the internet.
            ProxyLog.ConnectionLost(_logger, connection.Id, ex.Message);
            connection.Abort();
        }
        catch (Exception ex)
        {
            // A bug in one connection never takes the process down (DESIGN.md, failure stance).
            ProxyLog.Unexpected(_logger, connection.Id, ex);
            connection.Abort();
        }
    }
}
