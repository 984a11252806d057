using FastProxy.Core.Limits;
using FastProxy.Http.Forwarding;
using FastProxy.Http.Http2.Streams;
using FastProxy.Http.Proxy;

namespace FastProxy.Http.Http2;

/// <summary>
/// The per-connection request rate limit (limits.max_requests_per_connection_per_second) on HTTP/2: one token per new
/// stream, taken once its head is decoded (the HPACK table must stay in step either way), never per frame.
/// </summary>
internal sealed partial class Http2Connection
{
    // A client that has this many times its burst refused within one flood window is not backing off on 429s (a
    // well-behaved one waits Retry-After): it is a flood, and the connection ends with GOAWAY ENHANCE_YOUR_CALM as for
    // the other floods of RFC 9113 §10.5. Ten bursts leaves room for a client that retries a few times too eagerly.
    private const int RateFloodFactor = 10;

    // The connection's request budget, read once when it opens: a reload changes it for new connections only.
    private RequestRateLimit _requestRateLimit;
    private RequestRateBucket _requestRate;
    private long _rateLimitedSince;
    private int _rateLimitedInWindow;

    /// <summary>Reads the rate in force for this new connection (constructor).</summary>
    private void StartRequestRate()
    {
        _requestRateLimit = _options.RequestRate();
        if (!_requestRateLimit.IsUnlimited)
        {
            _requestRate = new RequestRateBucket(_requestRateLimit, _time.TimestampFrequency, _time.GetTimestamp());
        }
    }

    /// <summary>Takes a token for a new stream; false when the stream is over the connection's rate.</summary>
    private bool TakeRequestTokenLocked() => !_requestRate.IsLimited || _requestRate.TryTake(Now);

    /// <summary>
    /// Answers a stream over the rate with 429 (RFC 6585 §4) and Retry-After on that stream (a gRPC call, by its
    /// content-type: grpc-status 8 RESOURCE_EXHAUSTED), before any handler sees
    /// it: not routed, not gated, not audited (the gate never judged it). A 429, not RST_STREAM REFUSED_STREAM: that
    /// code tells the client the request was not processed and invites an immediate retry (RFC 9113 §8.7), which is
    /// the opposite of what a rate limit wants; a 429 reaches the application with a time to wait.
    /// </summary>
    private Http2FrameError RefuseOverRateLocked(Http2Stream stream, bool endStream)
    {
        var id = stream.StreamId;
        var now = Now;
        if (_options.RateLimited.Add(_time, now))
        {
            Http2Log.RateLimited(_logger, ConnectionId, id, _transport.RemoteAddress?.ToString(), _requestRateLimit.PerSecond, _requestRateLimit.Burst, _options.RateLimited.Count);
        }

        if (GrpcRequests.HasGrpcContentType(stream))
        {
            // A gRPC client reads grpc-status, and any HTTP status but 200 as a transport failure: RESOURCE_EXHAUSTED
            // in a trailers-only response, as for every other refusal of a gRPC call.
            var sink = new Http2ResponseFieldSink(stream);
            GrpcRefusal.WriteFields(ref sink, GrpcStatusMapping.FromHttpStatus(429), GrpcStatusMapping.MessageFor(429));
            WriteHeadersLocked(id, 200, stream.ResponseFields, 0, endStream: true);
        }
        else
        {
            // RFC 9110 §10.2.3. One second is always enough: the limit is a whole number of requests a second.
            stream.ResponseFields.Add("retry-after"u8, "1"u8);
            WriteHeadersLocked(id, 429, stream.ResponseFields, 0, endStream: true);
        }

        if (!endStream)
        {
            // RFC 9113 §8.1: after a complete response the server may stop the request body with NO_ERROR.
            Http2FrameWriter.WriteRstStream(_output, id, Http2ErrorCode.NoError);
            _writtenSeq++;
            RememberReset(id);
        }

        ReleaseUnstartedLocked(stream);

        if (_rateLimitedSince == 0 || _time.GetElapsedTime(_rateLimitedSince, now) > _options.FloodWindow)
        {
            _rateLimitedSince = now;
            _rateLimitedInWindow = 0;
        }

        return ++_rateLimitedInWindow > (long)RateFloodFactor * _requestRateLimit.Burst
            ? Http2FrameError.Connection(Http2ErrorCode.EnhanceYourCalm, id, "request rate flood: streams kept coming far past the rate limit")
            : default;
    }
}
