using FastProxy.Http.Http2;
using Microsoft.Extensions.Logging;

namespace FastProxy.Http.Proxy;

/// <summary>
/// Builds the HTTP/2 protocol handler of the proxy: <see cref="Http2ConnectionHandler"/> (the connection, its streams
/// and their defences) serving every stream with the forwarding adapter (<see cref="Http2ProxyStreamHandler"/>: the
/// same gate, audit, limits and HTTP/1.1 upstream pools as an HTTP/1.1 connection).
/// </summary>
public static class Http2ProxyHandler
{
    public static Http2ConnectionHandler Create(Func<ProxyRuntime> runtime, Http1ProxyOptions options, Http2ConnectionOptions http2, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        var streams = new Http2ProxyStreamHandler(runtime, options, loggers.CreateLogger("FastProxy.Http.Proxy"));
        return new Http2ConnectionHandler(streams, http2, loggers.CreateLogger("FastProxy.Http.Http2"));
    }
}
