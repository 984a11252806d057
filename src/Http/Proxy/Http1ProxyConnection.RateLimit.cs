using System.Buffers;
using FastProxy.Http.Forwarding;

namespace FastProxy.Http.Proxy;

/// <summary>The per-connection request rate limit (limits.max_requests_per_connection_per_second) on HTTP/1.1.</summary>
internal sealed partial class Http1ProxyConnection
{
    /// <summary>
    /// RFC 6585 §4: 429 Too Many Requests, with Retry-After (RFC 9110 §10.2.3). One second is always enough: the limit
    /// is a whole number of requests a second, so the next token comes back within a second. The connection closes:
    /// a client over its rate gets no further pipelined answers on it, and its body (if any) is never read.
    /// </summary>
    private static ReadOnlySpan<byte> TooManyRequests =>
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: 43\r\nRetry-After: 1\r\nConnection: close\r\n\r\n{\"error\":\"too_many_requests\",\"status\":429}\n"u8;

    /// <summary>
    /// Answers a request over the connection's rate with 429 (a gRPC call, by its content-type: grpc-status 8
    /// RESOURCE_EXHAUSTED, the way its client reads a refusal) and lets RunAsync close. Not routed, not shown to the gate
    /// and not audited (the gate never judged it; recording each would let a flood spend the audit queue): counted in
    /// <see cref="Http1ProxyOptions.RateLimited"/> and logged at most once a second.
    /// </summary>
    private async ValueTask RefuseOverRateAsync()
    {
        if (_options.RateLimited.Add(_time, _time.GetTimestamp()))
        {
            ProxyLog.RateLimited(_logger, _connection.Id, ClientName, _requestRateLimit.PerSecond, _requestRateLimit.Burst, _options.RateLimited.Count);
        }

        try
        {
            if (GrpcRequests.HasGrpcContentType(_request))
            {
                Http1HeadWriter.WriteGrpcRefusal(_output, GrpcStatusMapping.FromHttpStatus(429), GrpcStatusMapping.MessageFor(429), closeAfter: true);
            }
            else
            {
                _output.Write(TooManyRequests);
            }

            await _output.FlushAsync();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            // The client is gone; nothing more to tell it.
        }
    }
}
