using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using FastProxy.Core.Errors;
using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Core.Transport;
using FastProxy.Core.Upstream;
using FastProxy.Http.Forwarding;
using FastProxy.Http.Http1;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.Client;

namespace FastProxy.Http.Proxy;

/// <summary>
/// HTTP/1.1 client -> HTTP/2 upstream (h1 -> h2): the request head becomes an upstream stream's fields (Host as
/// :authority), its body (by Content-Length, or de-chunked) DATA as it arrives, chunked trailers HTTP/2 trailers; the
/// response comes back as an HTTP/1.1 head (Content-Length when the upstream stated one, chunked otherwise), its
/// trailers as a chunked trailer section when the client said `TE: trailers`. Still one request at a time per
/// connection. An upstream failure after the head closes the connection: never a truncated body that looks complete.
/// </summary>
internal sealed partial class Http1ProxyConnection
{
    // "FFFFFFFFFFFFFFF\r\n": a chunk-size line for any chunk the proxy writes.
    private const int MaxChunkSizeLine = 17;

    // Whether any request body byte went to an upstream stream (a refused stream is sent again only while none has),
    // and whether the proxy asked the body copy to stop (its cancelled read is then not a client timeout).
    private bool _h2BodyConsumed;
    private bool _h2BodyStopping;

    // The upstream stream of the request in progress, from its opening to its release; RunAsync releases it after an
    // unexpected failure (see AbandonHttp2Upstream).
    private IHttp2UpstreamStream? _h2Upstream;

    // The de-chunking state of the request body in progress (a mutable struct: kept here, never copied into a method).
    private ChunkedBodyReader _h2Chunked;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ForwardToHttp2Async(ProxyRuntime runtime, int routeIndex, GateDecision decision, UpstreamCluster cluster, string routeId)
    {
        _h2BodyConsumed = false;
        if (!TryGetCallDeadline(out var deadline, out var wholeCall))
        {
            _exchange.Outcome = RequestOutcome.ClientFailed;
            ProxyLog.GrpcTimeoutInvalid(_logger, _connection.Id, 0, ClientName);
            return await WriteErrorAsync(ProxyErrorKind.BadRequest, close: !CanSkipBody());
        }

        var retried = false;
        var continueSent = false;
        while (true)
        {
            if (!cluster.TryPick(out var endpoint))
            {
                ProxyLog.NoHealthyEndpoint(_logger, _connection.Id, routeId, cluster.Name);
                return await WriteErrorAsync(ProxyErrorKind.NoHealthyEndpoint, close: !CanSkipBody());
            }

            IHttp2UpstreamStream upstream;
            try
            {
                upstream = await ((IHttp2UpstreamStreamSource)endpoint.Multiplexed!).OpenStreamAsync(CancellationToken.None);
            }
            catch (UpstreamConnectException ex)
            {
                endpoint.ReportFailure();
                if (!retried)
                {
                    retried = true;
                    ProxyLog.Retrying(_logger, _connection.Id, routeId);
                    continue;
                }

                var kind = ex.IsTimeout ? ProxyErrorKind.UpstreamConnectTimeout : ProxyErrorKind.UpstreamConnectFailed;
                ProxyLog.UpstreamConnectFailed(_logger, _connection.Id, routeId, endpoint.Address.ToString(), ex.Message, ProxyErrorMapping.ToStatus(kind));
                return await WriteErrorAsync(kind, close: !CanSkipBody());
            }
            catch (UpstreamOverloadedException ex)
            {
                ProxyLog.PoolExhausted(_logger, _connection.Id, routeId, endpoint.Address.ToString(), ex.Message);
                return await WriteErrorAsync(ProxyErrorKind.PoolExhausted, close: !CanSkipBody());
            }

            _h2Upstream = upstream;
            _exchange.UpstreamName = endpoint.Name;
            Http2UpstreamHeadWriter.Write(upstream, _request, decision, _client.Address, _scheme.Span, runtime.StrippedHeaders, _exchange.Ids, runtime.ClientCertFor(routeIndex, _client), wholeCall ? deadline : null);
            upstream.SetDeadline(deadline);
            if (!await upstream.SendRequestHeadAsync(endStream: !_request.HasBody))
            {
                ReleaseHttp2Upstream();
                if (!retried)
                {
                    retried = true;
                    ProxyLog.Retrying(_logger, _connection.Id, routeId);
                    continue;
                }

                endpoint.ReportFailure();
                ProxyLog.Http2UpstreamFailed(_logger, _connection.Id, routeId, endpoint.Address.ToString(), nameof(Http2UpstreamHeadOutcome.ConnectionLost), 502);
                return await WriteErrorAsync(ProxyErrorKind.UpstreamClosed, close: !CanSkipBody());
            }

            Task<BodyCopyResult>? bodyCopy = null;
            if (_request.HasBody)
            {
                if (_request.ExpectContinue && !continueSent && _request.VersionMinor == 1)
                {
                    continueSent = true;
                    _output.Write(Continue100);
                    await _output.FlushAsync();
                }

                _h2BodyStopping = false;
                bodyCopy = CopyRequestBodyToHttp2Async(upstream, decision, runtime.StrippedHeaders).AsTask();
            }

            var outcome = await upstream.ReadResponseHeadAsync(CancellationToken.None);
            if (outcome == Http2UpstreamHeadOutcome.Complete)
            {
                endpoint.ReportSuccess();
                if (!wholeCall)
                {
                    upstream.SetDeadline(Timeout.InfiniteTimeSpan);
                }

                return await RelayHttp2ResponseAsync(upstream, bodyCopy, routeId);
            }

            var bodyResult = bodyCopy is null ? BodyCopyResult.Complete : await StopHttp2BodyCopyAsync(bodyCopy);
            ReleaseHttp2Upstream();
            if (outcome == Http2UpstreamHeadOutcome.Refused && !retried && !_h2BodyConsumed && bodyResult is BodyCopyResult.Complete or BodyCopyResult.Canceled)
            {
                retried = true;
                ProxyLog.Retrying(_logger, _connection.Id, routeId);
                continue;
            }

            if (BodyCopier.IsClientFault(bodyResult))
            {
                _exchange.Outcome = RequestOutcome.ClientFailed;
                return await WriteErrorAsync(bodyResult == BodyCopyResult.TooLarge ? ProxyErrorKind.RequestBodyTooLarge : ProxyErrorKind.BadRequest);
            }

            var failure = outcome switch
            {
                Http2UpstreamHeadOutcome.TimedOut => ProxyErrorKind.UpstreamResponseTimeout,
                Http2UpstreamHeadOutcome.Invalid => ProxyErrorKind.UpstreamBadResponse,
                _ => ProxyErrorKind.UpstreamClosed,
            };
            if (!(wholeCall && deadline < _options.ResponseTimeout))
            {
                endpoint.ReportFailure();
            }

            ProxyLog.Http2UpstreamFailed(_logger, _connection.Id, routeId, endpoint.Address.ToString(), outcome.ToString(), ProxyErrorMapping.ToStatus(failure));
            return await WriteErrorAsync(failure, close: !CanSkipBody() || bodyCopy is not null);
        }
    }

    /// <summary>Gives the upstream stream back exactly once (it resets a stream not finished both ways).</summary>
    private void ReleaseHttp2Upstream()
    {
        var upstream = _h2Upstream;
        _h2Upstream = null;
        upstream?.Release();
    }

    /// <summary>After an unexpected failure: the upstream hears CANCEL and the stream goes back (the connection is closing anyway).</summary>
    private void AbandonHttp2Upstream()
    {
        _h2Upstream?.Reset(Http2ErrorCode.Cancel);
        ReleaseHttp2Upstream();
    }

    /// <summary>As for HTTP/2 clients: the route's response timeout for the head, or a gRPC call's grpc-timeout (capped by it) for the whole call; false when malformed.</summary>
    private bool TryGetCallDeadline(out TimeSpan deadline, out bool wholeCall)
    {
        deadline = _options.ResponseTimeout;
        wholeCall = false;
        if (!_grpc || !_request.TryGetFirst(GrpcRequests.TimeoutName, out var value))
        {
            return true;
        }

        if (!GrpcTimeout.TryParse(value, out var requested))
        {
            return false;
        }

        wholeCall = true;
        deadline = requested < deadline ? requested : deadline;
        return true;
    }

    private async Task<BodyCopyResult> StopHttp2BodyCopyAsync(Task<BodyCopyResult> bodyCopy)
    {
        if (!bodyCopy.IsCompleted)
        {
            _h2BodyStopping = true;
            _input.CancelPendingRead();
        }

        return await bodyCopy;
    }

    /// <summary>
    /// The client's body to the upstream stream: by Content-Length, or de-chunked (its trailer section as HTTP/2
    /// trailers). Client bytes are consumed only once the upstream stream took them (its windows hold the client back).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyCopyResult> CopyRequestBodyToHttp2Async(IHttp2UpstreamStream upstream, GateDecision decision, byte[][] strippedHeaders)
    {
        var fixedLength = _request.BodyKind == BodyKind.ContentLength;
        var remaining = _request.ContentLength;
        var maxBody = _options.MaxRequestBodyBytes;
        _h2Chunked = ChunkedBodyReader.ForDecoding(maxBody > 0 ? maxBody : long.MaxValue, _options.Limits);
        while (!fixedLength || remaining > 0)
        {
            _connection.SetTimeout(_options.IdleTimeout, TimeoutReason.RequestBody);
            ReadResult read;
            try
            {
                read = await _input.ReadAsync();
            }
            catch (Exception ex) when (BodyCopier.IsIoFailure(ex))
            {
                return FailBody(upstream, BodyCopyResult.ClientFailed, "the client closed or reset the connection before the whole body");
            }
            finally
            {
                _connection.ClearTimeout();
            }

            var buffer = read.Buffer;
            if (read.IsCanceled)
            {
                _input.AdvanceTo(buffer.Start);
                return _h2BodyStopping
                    ? BodyCopyResult.Canceled
                    : FailBody(upstream, BodyCopyResult.ClientFailed, "incomplete: no body bytes within the idle timeout");
            }

            if (fixedLength)
            {
                if (buffer.IsEmpty && read.IsCompleted)
                {
                    _input.AdvanceTo(buffer.End);
                    return FailBody(upstream, BodyCopyResult.ClientFailed, "the client closed before the whole body");
                }

                var piece = buffer.Length > remaining ? buffer.Slice(0, remaining) : buffer;
                if (!await upstream.WriteRequestDataAsync(piece, endStream: piece.Length == remaining, CancellationToken.None))
                {
                    _input.AdvanceTo(buffer.Start);
                    return BodyCopyResult.UpstreamFailed;
                }

                remaining -= piece.Length;
                _h2BodyConsumed = true;
                _exchange.AddBytesIn(piece.Length);
                _input.AdvanceTo(piece.End);
                continue;
            }

            var (status, consumed, error) = await DecodeChunksAsync(upstream, buffer, decision, strippedHeaders);
            if (status == ChunkedStatus.Error)
            {
                _input.AdvanceTo(buffer.End);
                return error == Http1ErrorKind.BodyTooLarge
                    ? FailBody(upstream, BodyCopyResult.TooLarge, null)
                    : FailBody(upstream, BodyCopyResult.InvalidFraming, "invalid chunked framing");
            }

            if (consumed < 0)
            {
                // The upstream stream no longer takes data; nothing of this read was consumed.
                _input.AdvanceTo(buffer.Start);
                return BodyCopyResult.UpstreamFailed;
            }

            _input.AdvanceTo(buffer.GetPosition(consumed), buffer.End);
            if (status == ChunkedStatus.Done)
            {
                return await upstream.CompleteRequestAsync() ? BodyCopyResult.Complete : BodyCopyResult.UpstreamFailed;
            }

            if (read.IsCompleted)
            {
                return FailBody(upstream, BodyCopyResult.ClientFailed, "the client closed before the last chunk");
            }
        }

        return BodyCopyResult.Complete;
    }

    /// <summary>Hands the chunk data of one read to the upstream stream and adds trailer fields; consumed is -1 when a write failed.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(ChunkedStatus Status, long Consumed, Http1ErrorKind Error)> DecodeChunksAsync(IHttp2UpstreamStream upstream, ReadOnlySequence<byte> buffer, GateDecision decision, byte[][] strippedHeaders)
    {
        long total = 0;
        while (true)
        {
            var status = _h2Chunked.Decode(buffer.Slice(total), out var consumed, out var piece, out var error);
            if (status == ChunkedStatus.Error)
            {
                return (status, total, error);
            }

            if (piece.Kind == ChunkedPieceKind.Data)
            {
                var data = buffer.Slice(total + piece.Start, piece.Length);
                if (!await upstream.WriteRequestDataAsync(data, endStream: false, CancellationToken.None))
                {
                    return (status, -1, Http1ErrorKind.None);
                }

                _h2BodyConsumed = true;
                _exchange.AddBytesIn(piece.Length);
            }
            else if (piece.Kind == ChunkedPieceKind.TrailerField)
            {
                AddChunkedTrailer(upstream, buffer.Slice(total + piece.Start, piece.Length), decision, strippedHeaders);
            }

            total += consumed;
            if (piece.Kind == ChunkedPieceKind.None || status == ChunkedStatus.Done)
            {
                return (status, total, Http1ErrorKind.None);
            }
        }
    }

    private static void AddChunkedTrailer(IHttp2UpstreamStream upstream, in ReadOnlySequence<byte> line, in GateDecision decision, byte[][] strippedHeaders)
    {
        // Trailer lines are bounded by the trailer limit; a rare multi-segment one is copied out.
        var bytes = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
        if (Http1Parser.ParseFieldLine(bytes, 0, out var entry) == Http1ErrorKind.None)
        {
            Http2UpstreamHeadWriter.AddTrailer(upstream, bytes.Slice(entry.NameStart, entry.NameLength), bytes.Slice(entry.ValueStart, entry.ValueLength), decision, strippedHeaders);
        }
    }

    private BodyCopyResult FailBody(IHttp2UpstreamStream upstream, BodyCopyResult result, string? reason)
    {
        if (reason is not null)
        {
            ProxyLog.BadRequestBody(_logger, _connection.Id, ClientName, reason);
        }

        upstream.Reset(Http2ErrorCode.Cancel);
        return result;
    }

    /// <summary>
    /// The upstream's response as HTTP/1.1: status line, end-to-end fields, Content-Length when the upstream stated one
    /// (none for HEAD, 204 and 304 bodies), chunked otherwise with its trailers as a trailer section when the client
    /// accepts trailers. True when the client connection stays open.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> RelayHttp2ResponseAsync(IHttp2UpstreamStream upstream, Task<BodyCopyResult>? bodyCopy, string routeId)
    {
        var status = upstream.Status;
        var bodiless = _request.Method == RequestMethod.Head || status is 204 or 304;
        var endedWithHead = upstream.ResponseEndedWithHead;
        var chunked = !bodiless && !endedWithHead && !HasField(upstream, KnownHeader.ContentLength);
        var closeAfter = !_request.KeepAlive || _shuttingDown.IsCancellationRequested || (bodyCopy is not null && !bodyCopy.IsCompleted)
            || (chunked && _request.VersionMinor == 0);
        _exchange.Status = status;
        WriteHttp2ResponseHead(upstream, chunked, bodiless || !endedWithHead ? -1 : 0, closeAfter);

        var copy = bodiless || endedWithHead
            ? await FlushClientAsync()
            : await CopyHttp2ResponseBodyAsync(upstream, chunked);

        if (bodyCopy is not null)
        {
            if (!bodyCopy.IsCompleted)
            {
                upstream.Reset(Http2ErrorCode.Cancel);
            }

            var bodyResult = await StopHttp2BodyCopyAsync(bodyCopy);
            closeAfter |= bodyResult != BodyCopyResult.Complete;
        }

        ReleaseHttp2Upstream();
        _exchange.Outcome = copy switch
        {
            BodyCopyResult.Complete => RequestOutcome.Forwarded,
            BodyCopyResult.ClientFailed => RequestOutcome.ClientFailed,
            _ => RequestOutcome.UpstreamFailed,
        };
        if (copy != BodyCopyResult.Complete)
        {
            // The head is already on its way: the only honest signal left is to cut the connection.
            ProxyLog.BodyAborted(_logger, _connection.Id, routeId, copy == BodyCopyResult.ClientFailed ? "client" : "upstream", copy.ToString());
            _connection.Abort();
            return false;
        }

        return !closeAfter;
    }

    private static bool HasField(IHttp2UpstreamStream upstream, KnownHeader field)
    {
        for (var i = 0; i < upstream.ResponseFieldCount; i++)
        {
            upstream.GetResponseField(i, out var name, out _);
            if (KnownHeaders.Lookup(name) == field)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes the HTTP/1.1 response head. <paramref name="contentLength"/> 0: state an empty body (a trailers-only response); -1: as the upstream said.</summary>
    private void WriteHttp2ResponseHead(IHttp2UpstreamStream upstream, bool chunked, long contentLength, bool closeAfter)
    {
        var lines = new Http1LineWriter(_output);
        lines.Write("HTTP/1.1 "u8);
        lines.WriteNumber(upstream.Status);
        lines.Write(" "u8);
        lines.Write(ReasonOf(upstream.Status));
        lines.Write("\r\n"u8);
        for (var i = 0; i < upstream.ResponseFieldCount; i++)
        {
            upstream.GetResponseField(i, out var name, out var value);
            var known = KnownHeaders.Lookup(name);
            if (known == KnownHeader.ContentLength ? contentLength < 0 : ResponseHeaderTransform.Forwards(known, namedInConnection: false))
            {
                lines.Add(name, value);
            }
        }

        if (chunked)
        {
            lines.Write("Transfer-Encoding: chunked\r\n"u8);
        }
        else if (contentLength == 0 && upstream.Status is >= 200 and not 204 and not 304)
        {
            lines.Write("Content-Length: 0\r\n"u8);
        }

        if (closeAfter)
        {
            lines.Write("Connection: close\r\n"u8);
        }

        lines.Write("\r\n"u8);
        lines.Commit();
    }

    /// <summary>HTTP/2 carries no reason phrase (RFC 9113 §8.3.2): the usual one, or none (RFC 9112 §4 allows an empty one).</summary>
    private static ReadOnlySpan<byte> ReasonOf(int status) => status switch
    {
        200 => "OK"u8,
        201 => "Created"u8,
        202 => "Accepted"u8,
        204 => "No Content"u8,
        206 => "Partial Content"u8,
        301 => "Moved Permanently"u8,
        302 => "Found"u8,
        303 => "See Other"u8,
        304 => "Not Modified"u8,
        307 => "Temporary Redirect"u8,
        308 => "Permanent Redirect"u8,
        >= 400 => ReasonPhrases.Get(status),
        _ => default,
    };

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyCopyResult> FlushClientAsync()
    {
        try
        {
            var flush = await _output.FlushAsync();
            return flush.IsCompleted ? BodyCopyResult.ClientFailed : BodyCopyResult.Complete;
        }
        catch (Exception ex) when (BodyCopier.IsIoFailure(ex))
        {
            return BodyCopyResult.ClientFailed;
        }
    }

    /// <summary>DATA to the client as it arrives (chunk-framed when <paramref name="chunked"/>); an upstream failure mid-body is never written as an end.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyCopyResult> CopyHttp2ResponseBodyAsync(IHttp2UpstreamStream upstream, bool chunked)
    {
        var reader = upstream.ResponseBody;
        while (true)
        {
            var flushed = await FlushClientAsync();
            if (flushed != BodyCopyResult.Complete)
            {
                return flushed;
            }

            ReadResult read;
            try
            {
                read = await reader.ReadAsync();
            }
            catch (Exception ex) when (BodyCopier.IsIoFailure(ex))
            {
                return BodyCopyResult.UpstreamFailed;
            }

            var buffer = read.Buffer;
            if (read.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                return BodyCopyResult.UpstreamFailed;
            }

            if (!buffer.IsEmpty)
            {
                if (chunked)
                {
                    WriteChunkLine(_output, buffer.Length);
                }

                foreach (var segment in buffer)
                {
                    _output.Write(segment.Span);
                }

                if (chunked)
                {
                    _output.Write("\r\n"u8);
                }

                _exchange.AddBytesOut(buffer.Length);
            }

            reader.AdvanceTo(buffer.End);
            if (read.IsCompleted)
            {
                if (chunked)
                {
                    _output.Write("0\r\n"u8);
                    if (ClientAcceptsTrailers())
                    {
                        WriteHttp2Trailers(upstream);
                    }

                    _output.Write("\r\n"u8);
                }

                return await FlushClientAsync();
            }
        }
    }

    private static void WriteChunkLine(PipeWriter output, long length)
    {
        var line = output.GetSpan(MaxChunkSizeLine);
        System.Buffers.Text.Utf8Formatter.TryFormat(length, line, out var digits, new StandardFormat('X'));
        line[digits] = (byte)'\r';
        line[digits + 1] = (byte)'\n';
        output.Advance(digits + 2);
    }

    /// <summary>RFC 9110 §10.1.4: a client that sent `TE: trailers` accepts a trailer section; others get none (trailers may be discarded, §6.5.1).</summary>
    private bool ClientAcceptsTrailers()
        => _request.TryGetFirst("te"u8, out var te) && te.IndexOf("trailers"u8) >= 0;

    private void WriteHttp2Trailers(IHttp2UpstreamStream upstream)
    {
        var lines = new Http1LineWriter(_output);
        for (var i = 0; i < upstream.ResponseTrailerCount; i++)
        {
            upstream.GetResponseTrailer(i, out var name, out var value);
            if (ResponseHeaderTransform.Forwards(KnownHeaders.Lookup(name), namedInConnection: false) && TrailerFields.IsAllowed(name)
                && HeaderFieldSyntax.IsToken(name) && HeaderFieldSyntax.IsFieldValue(value))
            {
                lines.Add(name, value);
            }
        }

        lines.Commit();
    }
}
