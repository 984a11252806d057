namespace FastProxy.Http.Http2.Streams;

/// <summary>
/// Serves the requests of HTTP/2 connections: the proxy's forwarding adapter in production, an echo or a scripted
/// handler in tests. One instance per listener, shared by every connection and stream.
/// </summary>
internal interface IHttp2StreamHandler
{
    /// <summary>
    /// Serves one stream whose request head is complete and valid. Called from the connection's frame loop: it must
    /// not block; the loop goes on reading frames while the returned task runs. When it ends the stream must be done
    /// (response complete or reset); a stream left open is reset with INTERNAL_ERROR by the connection, and a handler
    /// that throws is logged and its stream reset the same way.
    /// </summary>
    ValueTask HandleAsync(IHttp2RequestStream stream);
}
