using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using FastProxy.Core.Errors;
using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Core.Upstream;
using FastProxy.Http.Forwarding;
using FastProxy.Http.Http1;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.Client;
using FastProxy.Http.Http2.Streams;

namespace FastProxy.Http.Proxy;

/// <summary>
/// HTTP/2 client -> HTTP/2 upstream (h2 -> h2): the request becomes a stream on the endpoint's multiplexed pool
/// (<see cref="IHttp2UpstreamStreamSource"/>); its body and trailers go as they come, held to the upstream's windows
/// (a client DATA frame is consumed, so its credit returned, only once the upstream took it); the response head, body
/// and trailers come back unchanged but for the hop-by-hop rules, a trailers-only response as such.
/// </summary>
internal sealed partial class Http2ProxyStream
{
    // The upstream stream of the request in progress, from its opening to its release (exactly once).
    private IHttp2UpstreamStream? _h2Upstream;

    // Whether any request body byte went to an upstream stream: a refused stream is sent again only while none has.
    private bool _requestBodyConsumed;

    /// <summary>
    /// Opens a stream on the route's HTTP/2 cluster and relays the exchange. One more attempt, on a new stream, when
    /// nothing can have reached an upstream application: the connect failed, the head could not be sent, or the
    /// upstream refused the stream (RFC 9113 §8.7) before any request body byte was consumed.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ForwardToHttp2Async(ProxyRuntime runtime, int routeIndex, GateDecision decision, UpstreamCluster cluster, string routeId)
    {
        if (!TryGetCallDeadline(out var deadline, out var wholeCall))
        {
            _exchange.Outcome = RequestOutcome.ClientFailed;
            ProxyLog.GrpcTimeoutInvalid(_logger, ConnectionId, _stream.StreamId, ClientName);
            await WriteErrorAsync(ProxyErrorKind.BadRequest);
            return;
        }

        var retried = false;
        var continueSent = false;
        while (true)
        {
            if (!cluster.TryPick(out var endpoint))
            {
                ProxyLog.NoHealthyEndpoint(_logger, ConnectionId, routeId, cluster.Name);
                await WriteErrorAsync(ProxyErrorKind.NoHealthyEndpoint);
                return;
            }

            IHttp2UpstreamStream upstream;
            try
            {
                // A client reset while waiting throws OperationCanceledException: RunAsync records the client's failure.
                upstream = await ((IHttp2UpstreamStreamSource)endpoint.Multiplexed!).OpenStreamAsync(_stream.Aborted);
            }
            catch (UpstreamConnectException ex)
            {
                endpoint.ReportFailure();
                if (!retried && !_stream.Aborted.IsCancellationRequested)
                {
                    retried = true;
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

            _h2Upstream = upstream;
            _exchange.UpstreamName = endpoint.Name;
            WriteHttp2Head(upstream, runtime, routeIndex, decision, wholeCall ? deadline : null);
            upstream.SetDeadline(deadline);

            // With a body the head is held: it leaves with the first DATA (one send for a small request), or before the
            // body copy waits for the client.
            var headSent = _stream.HasBody ? upstream.HoldRequestHead() : await upstream.SendRequestHeadAsync(endStream: true);
            if (!headSent)
            {
                // The connection went away first: the request reached no upstream (Refused applies).
                ReleaseHttp2Upstream();
                if (!retried && !_stream.Aborted.IsCancellationRequested)
                {
                    retried = true;
                    ProxyLog.Retrying(_logger, ConnectionId, routeId);
                    continue;
                }

                await FailHttp2BeforeResponseAsync(Http2UpstreamHeadOutcome.ConnectionLost, routeId, endpoint, BodyCopyResult.Complete, callerDeadline: false);
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

#pragma warning disable CA2012 // runs while the response head is awaited; StopRequestBodyAsync consumes it, exactly once
                _bodyStopRequested = false;
                _bodyCopy = CopyRequestBodyToHttp2Async(upstream, decision, runtime.StrippedHeaders);
#pragma warning restore CA2012
                _bodyCopyRunning = true;
            }

            var outcome = await upstream.ReadResponseHeadAsync(_stream.Aborted);
            if (outcome == Http2UpstreamHeadOutcome.Complete)
            {
                endpoint.ReportSuccess();
                if (!wholeCall)
                {
                    // The response timeout bounds the head only; a gRPC deadline bounds the whole call.
                    upstream.SetDeadline(Timeout.InfiniteTimeSpan);
                }

                await RelayHttp2ResponseAsync(routeId);
                return;
            }

            // Every other outcome has ended the upstream stream (reset by either side, or its connection gone).
            var clientStalled = outcome == Http2UpstreamHeadOutcome.TimedOut && _bodyCopyRunning && !_bodyCopy.IsCompleted;
            var bodyResult = await StopRequestBodyAsync();
            ReleaseHttp2Upstream();
            if (outcome == Http2UpstreamHeadOutcome.Refused && !retried && !_requestBodyConsumed && !_stream.Aborted.IsCancellationRequested)
            {
                retried = true;
                ProxyLog.Retrying(_logger, ConnectionId, routeId);
                continue;
            }

            if (clientStalled && bodyResult == BodyCopyResult.Canceled)
            {
                ProxyLog.BadRequestBody(_logger, ConnectionId, ClientName, "incomplete: the body did not arrive before the upstream's response timeout");
                bodyResult = BodyCopyResult.ClientFailed;
            }

            // A deadline shorter than the route's is the caller's (grpc-timeout): its passing is no fault of the upstream.
            var callerDeadline = wholeCall && deadline < _options.ResponseTimeout;
            await FailHttp2BeforeResponseAsync(outcome, routeId, endpoint, bodyResult, callerDeadline);
            return;
        }
    }

    /// <summary>
    /// The deadline the upstream stream gets: the route's response timeout (for the head), or for a gRPC call with
    /// grpc-timeout that value, capped by the response timeout, for the whole call. False: a malformed grpc-timeout.
    /// </summary>
    private bool TryGetCallDeadline(out TimeSpan deadline, out bool wholeCall)
    {
        deadline = _options.ResponseTimeout;
        wholeCall = false;
        if (!_grpc || !_stream.TryGetFirst(GrpcRequests.TimeoutName, out var value))
        {
            return true;
        }

        if (!GrpcTimeout.TryParse(value, out var requested))
        {
            return false;
        }

        wholeCall = true;
        if (requested < deadline)
        {
            deadline = requested;
        }

        return true;
    }

    private void WriteHttp2Head(IHttp2UpstreamStream upstream, ProxyRuntime runtime, int routeIndex, in GateDecision decision, TimeSpan? grpcTimeout)
        => Http2UpstreamHeadWriter.Write(upstream, _stream, decision, _client.Address, ClientScheme.Span, runtime.StrippedHeaders, _exchange.Ids, runtime.ClientCertFor(routeIndex, _client), grpcTimeout);

    /// <summary>The scheme the client used: the listener's, as X-Forwarded-Proto and :scheme state it.</summary>
    private ReadOnlyMemory<byte> ClientScheme => _stream.Connection.Listener is { } listener ? listener.SchemeBytes : _options.SchemeBytes;

    /// <summary>
    /// The upstream stream ended before its response head: a client that went away or broke its body is answered as
    /// such (as for HTTP/1.1); otherwise the upstream is blamed (passive health, unless the caller's own deadline
    /// passed) and the client gets 502 (refused, reset, connection lost), 504 (deadline) or their gRPC equivalents.
    /// </summary>
    private ValueTask FailHttp2BeforeResponseAsync(Http2UpstreamHeadOutcome outcome, string routeId, UpstreamEndpoint endpoint, BodyCopyResult bodyResult, bool callerDeadline)
    {
        if (_stream.Aborted.IsCancellationRequested || BodyCopier.IsClientFault(bodyResult))
        {
            _exchange.Outcome = RequestOutcome.ClientFailed;
            if (bodyResult == BodyCopyResult.TooLarge)
            {
                ProxyLog.BodyTooLarge(_logger, ConnectionId, routeId, _options.MaxRequestBodyBytes);
                return WriteErrorAsync(ProxyErrorKind.RequestBodyTooLarge);
            }

            return WriteErrorAsync(ProxyErrorKind.BadRequest);
        }

        var kind = outcome switch
        {
            Http2UpstreamHeadOutcome.TimedOut => ProxyErrorKind.UpstreamResponseTimeout,
            Http2UpstreamHeadOutcome.Invalid => ProxyErrorKind.UpstreamBadResponse,
            _ => ProxyErrorKind.UpstreamClosed,
        };
        var name = endpoint.Address.ToString();
        if (!callerDeadline)
        {
            endpoint.ReportFailure();
        }

        if (outcome == Http2UpstreamHeadOutcome.TimedOut)
        {
            ProxyLog.UpstreamTimeout(_logger, ConnectionId, routeId, name, _options.ResponseTimeout.TotalSeconds);
        }
        else
        {
            ProxyLog.Http2UpstreamFailed(_logger, ConnectionId, routeId, name, outcome.ToString(), ProxyErrorMapping.ToStatus(kind));
        }

        return WriteErrorAsync(kind);
    }

    /// <summary>
    /// Streams the client's request body to the upstream stream as it arrives, then its trailers. A client DATA frame is
    /// consumed (its flow-control credit returned to the client) only once the upstream stream took it, so a slow
    /// upstream slows the client and never fills the proxy's memory. A write the upstream stream refused leaves the
    /// data unconsumed, so a refused stream can be sent again in full.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyCopyResult> CopyRequestBodyToHttp2Async(IHttp2UpstreamStream upstream, GateDecision decision, byte[][] strippedHeaders)
    {
        var body = _stream.RequestBody;
        var declared = _stream.DeclaredBodyLength;
        var maxBody = _options.MaxRequestBodyBytes;
        long total = _exchange.BytesIn;
        while (true)
        {
            ReadResult read;
            try
            {
                var pending = body.ReadAsync();
                if (!pending.IsCompleted)
                {
                    // Nothing more to send for now: a held head goes out while the client's body is awaited.
                    await upstream.FlushAsync();
                }

                read = await pending;
            }
            catch (Exception ex) when (ex is Http2StreamAbortedException || BodyCopier.IsIoFailure(ex))
            {
                ProxyLog.BadRequestBody(_logger, ConnectionId, ClientName, "the stream was reset or its body broke its content-length");
                upstream.Reset(Http2ErrorCode.Cancel);
                return BodyCopyResult.ClientFailed;
            }

            var buffer = read.Buffer;
            if (read.IsCanceled)
            {
                // Nothing consumed, nor marked examined: a retry's first read gets this data again at once.
                body.AdvanceTo(buffer.Start);
                if (!_bodyStopRequested)
                {
                    // A cancellation meant for the refused attempt's copy, which had already ended: not ours.
                    continue;
                }

                return BodyCopyResult.Canceled;
            }

            var seen = total + buffer.Length;
            if (maxBody > 0 && seen > maxBody)
            {
                body.AdvanceTo(buffer.End);
                upstream.Reset(Http2ErrorCode.Cancel);
                return BodyCopyResult.TooLarge;
            }

            if (declared >= 0 && (seen > declared || (read.IsCompleted && seen != declared)))
            {
                // RFC 9113 §8.1.1: DATA that does not add up to content-length is malformed; the upstream never sees it end.
                body.AdvanceTo(buffer.End);
                ProxyLog.BadRequestBody(_logger, ConnectionId, ClientName, "DATA does not add up to content-length");
                upstream.Reset(Http2ErrorCode.Cancel);
                return BodyCopyResult.InvalidFraming;
            }

            var last = read.IsCompleted;
            var sent = await SendRequestDataAsync(upstream, buffer, last, decision, strippedHeaders);
            if (!sent)
            {
                body.AdvanceTo(buffer.Start);
                return _stream.Aborted.IsCancellationRequested ? BodyCopyResult.ClientFailed : BodyCopyResult.UpstreamFailed;
            }

            total = seen;
            _requestBodyConsumed |= !buffer.IsEmpty;
            _exchange.AddBytesIn(buffer.Length);
            body.AdvanceTo(buffer.End);
            if (last)
            {
                return BodyCopyResult.Complete;
            }
        }
    }

    /// <summary>One read's worth of request body; on the last, END_STREAM on the data, or the trailers (HEADERS with END_STREAM).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> SendRequestDataAsync(IHttp2UpstreamStream upstream, ReadOnlySequence<byte> data, bool last, GateDecision decision, byte[][] strippedHeaders)
    {
        var trailers = last && _stream.TrailerCount > 0;
        if (!data.IsEmpty && !await upstream.WriteRequestDataAsync(data, endStream: last && !trailers, _stream.Aborted))
        {
            return false;
        }

        if (!last || (!data.IsEmpty && !trailers))
        {
            return true;
        }

        if (trailers)
        {
            Http2UpstreamHeadWriter.WriteTrailers(upstream, _stream, decision, strippedHeaders);
        }

        return await upstream.CompleteRequestAsync();
    }

    /// <summary>
    /// Relays the upstream's response: its status and fields (hop-by-hop ones dropped; content-length kept, the
    /// upstream connection holds the DATA to it), the body as it arrives, the trailers unchanged but for the fields that
    /// may not be trailers. After the head, a failure can only reset the client stream (<see cref="Http2UpstreamResets"/>);
    /// a gRPC deadline passing ends the call with grpc-status 4 instead.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask RelayHttp2ResponseAsync(string routeId)
    {
        var upstream = _h2Upstream!;
        AddHttp2ResponseFields(upstream);
        _exchange.Status = upstream.Status;
        _headSent = true;
        var endedWithHead = upstream.ResponseEndedWithHead;
        if (endedWithHead)
        {
            await _stream.WriteResponseHeadAsync(upstream.Status, endStream: true);
        }
        else
        {
            // The body (or the trailers) follows: the head leaves with it, or before the copy waits on the upstream.
            _stream.HoldResponseHead(upstream.Status);
        }

        var copy = endedWithHead
            ? (_stream.Aborted.IsCancellationRequested ? BodyCopyResult.ClientFailed : BodyCopyResult.Complete)
            : await CopyHttp2ResponseBodyAsync(upstream);

        if (_bodyCopyRunning)
        {
            if (!_bodyCopy.IsCompleted)
            {
                // The upstream answered before taking the whole body (a gRPC server ending early, its own 413): stop sending it.
                upstream.Reset(Http2ErrorCode.Cancel);
            }

            var bodyResult = await StopRequestBodyAsync();
            if (copy == BodyCopyResult.UpstreamFailed && BodyCopier.IsClientFault(bodyResult))
            {
                copy = BodyCopyResult.ClientFailed;
            }
        }

        if (_stream.Aborted.IsCancellationRequested && copy is not (BodyCopyResult.Complete or BodyCopyResult.Canceled))
        {
            copy = BodyCopyResult.ClientFailed;
        }

        var upstreamCode = upstream.ResetCode;
        if (copy == BodyCopyResult.ClientFailed)
        {
            // The client went away (RST_STREAM, or its connection): the upstream hears of it as CANCEL.
            upstream.Reset(Http2ErrorCode.Cancel);
        }

        ReleaseHttp2Upstream();
        _exchange.Outcome = copy switch
        {
            BodyCopyResult.Complete => RequestOutcome.Forwarded,
            BodyCopyResult.ClientFailed => RequestOutcome.ClientFailed,
            _ => RequestOutcome.UpstreamFailed,
        };

        if (copy == BodyCopyResult.Canceled)
        {
            // Ended the gRPC way at the call's deadline; the record says what that stands for.
            _exchange.Status = ProxyErrorMapping.ToStatus(ProxyErrorKind.UpstreamResponseTimeout);
            ProxyLog.GrpcDeadlineAfterHead(_logger, ConnectionId, routeId);
            return;
        }

        if (copy != BodyCopyResult.Complete)
        {
            var clientSide = copy == BodyCopyResult.ClientFailed;
            ProxyLog.BodyAborted(_logger, ConnectionId, routeId, clientSide ? "client" : "upstream", copy.ToString());
            _stream.Reset(clientSide ? Http2ErrorCode.Cancel : Http2UpstreamResets.ForClient(upstreamCode));
        }
    }

    private void AddHttp2ResponseFields(IHttp2UpstreamStream upstream)
    {
        for (var i = 0; i < upstream.ResponseFieldCount; i++)
        {
            upstream.GetResponseField(i, out var name, out var value);
            var known = KnownHeaders.Lookup(name);
            if (known == KnownHeader.ContentLength || ResponseHeaderTransform.Forwards(known, namedInConnection: false))
            {
                _stream.AddResponseField(name, value);
            }
        }
    }

    private void AddHttp2ResponseTrailers(IHttp2UpstreamStream upstream)
    {
        for (var i = 0; i < upstream.ResponseTrailerCount; i++)
        {
            upstream.GetResponseTrailer(i, out var name, out var value);
            if (ResponseHeaderTransform.Forwards(KnownHeaders.Lookup(name), namedInConnection: false) && TrailerFields.IsAllowed(name))
            {
                _stream.AddResponseField(name, value);
            }
        }
    }

    /// <summary>
    /// The response body as DATA while it arrives (consuming it returns credit to the upstream only as the client
    /// takes it), then the trailers, or END_STREAM on the last DATA when there are none. Canceled: the gRPC deadline
    /// passed and the call was ended with grpc-status 4.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyCopyResult> CopyHttp2ResponseBodyAsync(IHttp2UpstreamStream upstream)
    {
        var reader = upstream.ResponseBody;
        while (true)
        {
            ReadResult read;
            try
            {
                var pending = reader.ReadAsync(_stream.Aborted);
                if (!pending.IsCompleted)
                {
                    // Nothing more to send for now: what the stream holds goes out while the upstream is awaited.
                    await _stream.FlushAsync();
                }

                read = await pending;
            }
            catch (OperationCanceledException) when (_stream.Aborted.IsCancellationRequested)
            {
                return BodyCopyResult.ClientFailed;
            }
            catch (Exception ex) when (ex is Http2StreamAbortedException || BodyCopier.IsIoFailure(ex))
            {
                return _grpc && upstream.DeadlineExpired ? await EndWithGrpcDeadlineAsync() : BodyCopyResult.UpstreamFailed;
            }

            var buffer = read.Buffer;
            if (read.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                return BodyCopyResult.UpstreamFailed;
            }

            var last = read.IsCompleted;
            var trailers = last && upstream.ResponseTrailerCount > 0;
            var result = buffer.IsEmpty ? BodyCopyResult.Complete : await SendDataAsync(buffer, endStream: last && !trailers);
            reader.AdvanceTo(buffer.End);
            if (result != BodyCopyResult.Complete)
            {
                return result;
            }

            if (!last)
            {
                continue;
            }

            if (!buffer.IsEmpty && !trailers)
            {
                return BodyCopyResult.Complete;
            }

            AddHttp2ResponseTrailers(upstream);
            return await CompleteResponseAsync();
        }
    }

    /// <summary>The call's deadline passed after the head: trailers grpc-status 4 + grpc-message, END_STREAM (the upstream stream was reset with CANCEL).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyCopyResult> EndWithGrpcDeadlineAsync()
    {
        _stream.AddResponseField("grpc-status"u8, GrpcStatusMapping.StatusText(GrpcStatus.DeadlineExceeded));
        _stream.AddResponseField("grpc-message"u8, GrpcStatusMapping.MessageFor(504));
        return await _stream.CompleteResponseAsync() ? BodyCopyResult.Canceled : BodyCopyResult.ClientFailed;
    }

    /// <summary>Gives the upstream stream back to its connection exactly once (it resets a stream not finished both ways).</summary>
    private void ReleaseHttp2Upstream()
    {
        var upstream = _h2Upstream;
        _h2Upstream = null;
        upstream?.Release();
    }
}
