using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using FastProxy.Core.Errors;
using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Core.Transport;
using FastProxy.Core.Upstream;
using FastProxy.Http.Forwarding;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.Streams;

namespace FastProxy.Http.Proxy;

internal sealed partial class Http2ProxyStream
{
    // "FFFFFFFFFFFFFFF\r\n": a chunk-size line for any chunk the proxy writes (15 hex digits hold every long it can
    // hold, as ChunkedBodyReader bounds them).
    private const int MaxChunkSizeLine = 17;

    // The upstream lease of the request in progress, from its lease to its release (never pooled while a request
    // body copy still writes to it); the registration aborts its connection when the client resets the stream.
    private UpstreamLease _lease;
    private bool _leased;
    private CancellationTokenRegistration _onClientAbort;

    // A request body copy in flight, awaited exactly once (it is a pooled ValueTask).
    private ValueTask<BodyCopyResult> _bodyCopy;
    private bool _bodyCopyRunning;

    // Set by StopRequestBodyAsync just before it cancels the pending read of the body copy it stops; cleared when a
    // copy starts. Tells a copy's own stop from a stale cancellation left by a retried attempt's stop.
    private volatile bool _bodyStopRequested;

    /// <summary>
    /// Sends an allowed request to the route's cluster and relays the answer: pick, lease, write the head, copy the
    /// body, read the response head, with the HTTP/1.1 retry rule (one retry for an idempotent bodiless request when
    /// the connect failed or a reused connection closed before a single response byte).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ForwardAsync(ProxyRuntime runtime, int routeIndex, GateDecision decision)
    {
        var cluster = runtime.ClusterByRoute[routeIndex];
        var routeId = runtime.RouteIds[routeIndex];
        var maxBody = _options.MaxRequestBodyBytes;

        _exchange.Outcome = RequestOutcome.UpstreamFailed;
        if (Forwarder.ExceedsBodyLimit(_stream, maxBody))
        {
            _exchange.Outcome = RequestOutcome.ClientFailed;
            ProxyLog.BodyTooLarge(_logger, ConnectionId, routeId, maxBody);
            await WriteErrorAsync(ProxyErrorKind.RequestBodyTooLarge);
            return;
        }

        if (cluster.Protocol == UpstreamProtocol.Http2)
        {
            await ForwardToHttp2Async(runtime, routeIndex, decision, cluster, routeId);
            return;
        }

        var framing = Http2RequestHeadWriter.FramingOf(_stream);
        var scheme = _stream.Connection.Listener is { } listener ? listener.SchemeBytes : _options.SchemeBytes;
        var retriable = Forwarder.IsRetriable(_stream);
        var continueSent = false;
        for (var attempt = 0; ; attempt++)
        {
            var canRetry = retriable && attempt == 0;
            if (!cluster.TryPick(out var endpoint))
            {
                ProxyLog.NoHealthyEndpoint(_logger, ConnectionId, routeId, cluster.Name);
                await WriteErrorAsync(ProxyErrorKind.NoHealthyEndpoint);
                return;
            }

            UpstreamLease lease;
            try
            {
                lease = await endpoint.AcquireAsync(CancellationToken.None);
            }
            catch (UpstreamConnectException ex)
            {
                endpoint.ReportFailure();
                if (canRetry)
                {
                    ProxyLog.Retrying(_logger, ConnectionId, routeId);
                    continue;
                }

                var kind = ex.IsTimeout ? ProxyErrorKind.UpstreamConnectTimeout : ProxyErrorKind.UpstreamConnectFailed;
                ProxyLog.UpstreamConnectFailed(_logger, ConnectionId, routeId, endpoint.Address.ToString(), ex.Message, ProxyErrorMapping.ToStatus(kind));
                await WriteErrorAsync(kind);
                return;
            }
            catch (UpstreamOverloadedException ex)
            {
                ProxyLog.PoolExhausted(_logger, ConnectionId, routeId, endpoint.Address.ToString(), ex.Message);
                await WriteErrorAsync(ProxyErrorKind.PoolExhausted);
                return;
            }

            var upstream = lease.Connection;
            HoldLease(lease);
            _exchange.UpstreamName = endpoint.Name;
            Http2RequestHeadWriter.Write(upstream.Output, _stream, framing, decision, _client.Address, scheme.Span, runtime.StrippedHeaders, _exchange.Ids, runtime.ClientCertFor(routeIndex, _client));
            bool sent;
            try
            {
                sent = !(await upstream.Output.FlushAsync()).IsCompleted;
            }
            catch (Exception ex) when (BodyCopier.IsIoFailure(ex))
            {
                sent = false;
            }

            if (!sent)
            {
                ReleaseUpstream(reusable: false);
                if (canRetry && lease.IsReused && !_stream.Aborted.IsCancellationRequested)
                {
                    ProxyLog.Retrying(_logger, ConnectionId, routeId);
                    continue;
                }

                await FailBeforeResponseAsync(ProxyErrorKind.UpstreamClosed, routeId, endpoint, BodyCopyResult.Complete);
                return;
            }

            if (_stream.HasBody)
            {
                if (_stream.ExpectContinue && !continueSent)
                {
                    // The gate has allowed the request: tell the client to send its body (RFC 9110 §10.1.1).
                    continueSent = true;
                    await _stream.WriteContinueAsync();
                }

                // Runs while the response head is awaited; StopRequestBodyAsync consumes it, exactly once.
#pragma warning disable CA2012
                _bodyCopy = CopyRequestBodyAsync(upstream, framing, decision, runtime.StrippedHeaders);
#pragma warning restore CA2012
                _bodyCopyRunning = true;
            }

            var outcome = await ReadResponseHeadAsync(upstream);
            upstream.ClearTimeout();
            if (outcome == ResponseHeadOutcome.ClosedEarly && canRetry && lease.IsReused && !_stream.Aborted.IsCancellationRequested)
            {
                ReleaseUpstream(reusable: false);
                ProxyLog.Retrying(_logger, ConnectionId, routeId);
                continue;
            }

            if (outcome != ResponseHeadOutcome.Complete)
            {
                // A response that timed out while the client had not finished its body: the upstream was most likely
                // waiting for that body. The client stalled, not the upstream (no passive-health failure for it), as an
                // HTTP/1.1 client whose body stops within the idle timeout.
                var clientStalled = outcome == ResponseHeadOutcome.TimedOut && _bodyCopyRunning && !_bodyCopy.IsCompleted;
                var bodyResult = await AbortUpstreamAsync();
                if (clientStalled)
                {
                    ProxyLog.BadRequestBody(_logger, ConnectionId, ClientName, "incomplete: the body did not arrive before the upstream's response timeout");
                    bodyResult = BodyCopyResult.ClientFailed;
                }

                await FailBeforeResponseAsync(Forwarder.KindOf(outcome), routeId, endpoint, bodyResult);
                return;
            }

            endpoint.ReportSuccess();
            await RelayResponseAsync(routeId, endpoint);
            return;
        }
    }

    /// <summary>
    /// The exchange failed before any response head reached the client: a client that went away is recorded as such
    /// (nothing to answer); a request body that broke or passed its limit is the client's fault (400 / 413); anything
    /// else blames the upstream (passive health) and answers 502/504.
    /// </summary>
    private ValueTask FailBeforeResponseAsync(ProxyErrorKind kind, string routeId, UpstreamEndpoint endpoint, BodyCopyResult bodyResult)
    {
        if (_stream.Aborted.IsCancellationRequested || bodyResult == BodyCopyResult.ClientFailed)
        {
            _exchange.Outcome = RequestOutcome.ClientFailed;
            return WriteErrorAsync(ProxyErrorKind.BadRequest);
        }

        if (bodyResult == BodyCopyResult.TooLarge)
        {
            _exchange.Outcome = RequestOutcome.ClientFailed;
            ProxyLog.BodyTooLarge(_logger, ConnectionId, routeId, _options.MaxRequestBodyBytes);
            return WriteErrorAsync(ProxyErrorKind.RequestBodyTooLarge);
        }

        if (bodyResult == BodyCopyResult.InvalidFraming)
        {
            _exchange.Outcome = RequestOutcome.ClientFailed;
            return WriteErrorAsync(ProxyErrorKind.BadRequest);
        }

        endpoint.ReportFailure();
        var status = ProxyErrorMapping.ToStatus(kind);
        var name = endpoint.Address.ToString();
        switch (kind)
        {
            case ProxyErrorKind.UpstreamResponseTimeout:
                ProxyLog.UpstreamTimeout(_logger, ConnectionId, routeId, name, _options.ResponseTimeout.TotalSeconds);
                break;
            case ProxyErrorKind.UpstreamBadResponse:
                ProxyLog.UpstreamBadResponse(_logger, ConnectionId, routeId, name, ProxyLog.Describe(_lastResponseError));
                break;
            default:
                ProxyLog.UpstreamClosed(_logger, ConnectionId, routeId, name, status);
                break;
        }

        return WriteErrorAsync(kind);
    }

    /// <summary>
    /// Streams the request body to the upstream as DATA arrives: verbatim under the declared Content-Length (which it
    /// must match exactly, or the upstream would read the next request out of this body), chunk-framed otherwise with
    /// the request's trailers restated as a chunked trailer section. A body over the limit, or one the client broke or
    /// reset, aborts the upstream connection so the pending response-head read ends at once.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyCopyResult> CopyRequestBodyAsync(TransportConnection upstream, Http1UpstreamFraming framing, GateDecision decision, byte[][] strippedHeaders)
    {
        var body = _stream.RequestBody;
        var output = upstream.Output;
        var chunked = framing == Http1UpstreamFraming.Chunked;
        var declared = _stream.DeclaredBodyLength;
        var maxBody = _options.MaxRequestBodyBytes;
        long total = 0;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await body.ReadAsync();
            }
            catch (Exception ex) when (ex is Http2StreamAbortedException || BodyCopier.IsIoFailure(ex))
            {
                return ClientBodyFailed(upstream, BodyCopyResult.ClientFailed, "the stream was reset or its body broke its content-length");
            }

            var buffer = read.Buffer;
            if (read.IsCanceled)
            {
                body.AdvanceTo(buffer.Start, buffer.End);
                return BodyCopyResult.Canceled;
            }

            total += buffer.Length;
            if (maxBody > 0 && total > maxBody)
            {
                body.AdvanceTo(buffer.End);
                return ClientBodyFailed(upstream, BodyCopyResult.TooLarge, null);
            }

            if (declared >= 0 && (total > declared || (read.IsCompleted && total != declared)))
            {
                // RFC 9113 §8.1.1: DATA that does not add up to content-length is malformed (the connection should
                // have reset the stream already; the upstream must never see a body that differs from its framing).
                body.AdvanceTo(buffer.End);
                return ClientBodyFailed(upstream, BodyCopyResult.InvalidFraming, "DATA does not add up to content-length");
            }

            long written = 0;
            if (!buffer.IsEmpty)
            {
                written = chunked ? WriteChunk(output, buffer) : Write(output, buffer);
            }

            body.AdvanceTo(buffer.End);
            if (read.IsCompleted && chunked)
            {
                // RFC 9112 §7.1: last-chunk, then the trailer section.
                output.Write("0\r\n"u8);
                written += 3 + Http2RequestHeadWriter.WriteTrailerSection(output, _stream, decision, strippedHeaders);
            }

            _exchange.AddBytesIn(written);
            try
            {
                var flush = await BodyCopier.FlushWithDeadlineAsync(output, upstream, _options.IdleTimeout);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    return BodyCopyResult.UpstreamFailed;
                }
            }
            catch (Exception ex) when (BodyCopier.IsIoFailure(ex))
            {
                return BodyCopyResult.UpstreamFailed;
            }

            if (read.IsCompleted)
            {
                return BodyCopyResult.Complete;
            }
        }
    }

    /// <summary>
    /// The client broke its request body: the upstream holds a head and part of a body that will never be completed,
    /// so its connection is aborted now (never pooled), and the pending response-head read fails at once.
    /// </summary>
    private BodyCopyResult ClientBodyFailed(TransportConnection upstream, BodyCopyResult result, string? reason)
    {
        if (reason is not null)
        {
            ProxyLog.BadRequestBody(_logger, ConnectionId, ClientName, reason);
        }

        upstream.Abort();
        return result;
    }

    private static long Write(PipeWriter output, in ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            output.Write(segment.Span);
        }

        return data.Length;
    }

    /// <summary>One chunk (RFC 9112 §7.1): size in hex, CRLF, the data, CRLF. Returns the bytes written.</summary>
    private static long WriteChunk(PipeWriter output, in ReadOnlySequence<byte> data)
    {
        var line = output.GetSpan(MaxChunkSizeLine);
        System.Buffers.Text.Utf8Formatter.TryFormat(data.Length, line, out var digits, new System.Buffers.StandardFormat('X'));
        line[digits] = (byte)'\r';
        line[digits + 1] = (byte)'\n';
        output.Advance(digits + 2);
        Write(output, data);
        output.Write("\r\n"u8);
        return digits + 4 + data.Length;
    }

    /// <summary>Holds <paramref name="lease"/> for this request: a client reset from now on aborts its connection.</summary>
    private void HoldLease(UpstreamLease lease)
    {
        _lease = lease;
        _leased = true;
        _onClientAbort = _stream.Aborted.UnsafeRegister(static state => ((TransportConnection)state!).Abort(), lease.Connection);
    }

    /// <summary>Gives the lease back exactly once; the client-reset registration goes first, so a late reset cannot abort a connection someone else leased.</summary>
    private void ReleaseUpstream(bool reusable)
    {
        if (!_leased)
        {
            return;
        }

        _onClientAbort.Dispose();
        _onClientAbort = default;
        _leased = false;
        var lease = _lease;
        _lease = default;
        lease.Endpoint.Release(lease, reusable);
    }

    /// <summary>
    /// Closes the leased upstream connection, which must not carry another request, and releases it once a request
    /// body copy still writing to it has stopped. Returns how the copy ended.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyCopyResult> AbortUpstreamAsync()
    {
        if (_leased)
        {
            _lease.Connection.Abort();
        }

        // An HTTP/2 upstream stream hears of it as RST_STREAM CANCEL (a client reset reaches the upstream this way).
        _h2Upstream?.Reset(Http2ErrorCode.Cancel);
        try
        {
            return await StopRequestBodyAsync();
        }
        finally
        {
            ReleaseUpstream(reusable: false);
            ReleaseHttp2Upstream();
        }
    }

    /// <summary>Ends a request body copy (cancelling its pending read when it still runs) and returns how it ended; Complete when there was none.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyCopyResult> StopRequestBodyAsync()
    {
        if (!_bodyCopyRunning)
        {
            return BodyCopyResult.Complete;
        }

        _bodyCopyRunning = false;
        if (!_bodyCopy.IsCompleted)
        {
            // Marked first: a copy that sees a cancelled read without it is looking at a cancellation meant for an
            // earlier attempt's copy (one that ended on its own just before it was cancelled) and reads again.
            _bodyStopRequested = true;
            _stream.RequestBody.CancelPendingRead();
        }

        var copy = _bodyCopy;
        _bodyCopy = default;
        return await copy;
    }

    /// <summary>After an unexpected failure: the upstream connection is closed and its lease given back (never pooled) once a body copy still using it has stopped.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AbandonUpstreamAsync()
    {
        try
        {
            await AbortUpstreamAsync();
        }
#pragma warning disable CA1031 // the request already failed; how its body copy ended adds nothing, and this runs in a catch
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private void ResetUpstream()
    {
        _lease = default;
        _leased = false;
        _onClientAbort = default;
        _bodyCopy = default;
        _bodyCopyRunning = false;
        _bodyStopRequested = false;
        _lastResponseError = default;
        _response?.Reset();
        _h2Upstream = null;
        _requestBodyConsumed = false;
    }
}
