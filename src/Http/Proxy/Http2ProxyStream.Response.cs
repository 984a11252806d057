using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using FastProxy.Core.Errors;
using FastProxy.Core.Observability;
using FastProxy.Core.Transport;
using FastProxy.Core.Upstream;
using FastProxy.Http.Forwarding;
using FastProxy.Http.Http1;
using FastProxy.Http.Http2;

namespace FastProxy.Http.Proxy;

internal sealed partial class Http2ProxyStream
{
    // A trailer field line up to this size is copied to the stack when it spans segments; longer ones (up to the
    // configured trailer limit) to a pooled array, as ChunkedBodyReader does for its lines.
    private const int StackTrailerLineBytes = 256;

    // Rented from HeadPools for the exchange; given back by Reset.
    private Http1ResponseHead? _response;
    private Http1ParseError _lastResponseError;

    /// <summary>
    /// Reads the upstream's response head within <see cref="Http1ProxyOptions.ResponseTimeout"/>. Interim responses
    /// other than 101 are dropped (RFC 9110 §15.2: the proxy answered 100-continue itself); 101 is returned and refused
    /// by the relay.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ResponseHeadOutcome> ReadResponseHeadAsync(TransportConnection upstream)
    {
        _response ??= HeadPools.Responses.Get();
        _response.Reset();
        upstream.SetTimeout(_options.ResponseTimeout, TimeoutReason.UpstreamResponse);
        var input = upstream.Input;
        var sawBytes = false;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync();
            }
            catch (Exception ex) when (BodyCopier.IsIoFailure(ex))
            {
                return sawBytes ? ResponseHeadOutcome.Closed : ResponseHeadOutcome.ClosedEarly;
            }

            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                return ResponseHeadOutcome.TimedOut;
            }

            sawBytes |= !buffer.IsEmpty;
            var status = Http1Parser.TryParseResponse(buffer, _response, _stream.Method, _options.Limits, out var consumed, out var error);
            if (status == Http1ParseStatus.Complete)
            {
                input.AdvanceTo(consumed);
                if (_response.IsInterim && _response.StatusCode != 101)
                {
                    _response.Reset();
                    continue;
                }

                return ResponseHeadOutcome.Complete;
            }

            if (status == Http1ParseStatus.Error)
            {
                input.AdvanceTo(buffer.End);
                _lastResponseError = error;
                return ResponseHeadOutcome.Invalid;
            }

            if (result.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                return sawBytes ? ResponseHeadOutcome.Closed : ResponseHeadOutcome.ClosedEarly;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Relays a complete response head and its body to the client as HTTP/2: status and end-to-end fields (hop-by-hop
    /// ones dropped as for HTTP/1.1, framing restated), DATA as the body arrives, trailers from a chunked body. The
    /// upstream connection is reused only when the response ended cleanly and the whole request body was sent.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask RelayResponseAsync(string routeId, UpstreamEndpoint endpoint)
    {
        var response = _response!;
        var upstream = _lease.Connection;
        if (response.StatusCode == 101)
        {
            // RFC 9113 §8.6: HTTP/2 has no 101 and no Upgrade; and the request carried no Upgrade field upstream, so
            // the upstream switches protocols nobody asked for (RFC 9110 §15.2.2).
            await AbortUpstreamAsync();
            ProxyLog.UpstreamBadResponse(_logger, ConnectionId, routeId, endpoint.Address.ToString(), "101 Switching Protocols to an HTTP/2 request (no upgrades over HTTP/2)");
            await WriteErrorAsync(ProxyErrorKind.UpstreamBadResponse);
            return;
        }

        for (var i = 0; i < response.HeaderCount; i++)
        {
            var name = response.GetName(i);
            var known = response.GetKnown(i);
            if (ResponseHeaderTransform.Forwards(known, response.IsNamedInConnection(name, known)))
            {
                _stream.AddResponseField(name, response.GetValue(i));
            }
        }

        // RFC 9110 §8.6: as for HTTP/1.1, the length the proxy parsed is restated (never in a 1xx or 204); for HEAD
        // and 304 it is the length the representation would have.
        if (response.HasContentLength && response.StatusCode is >= 200 and not 204)
        {
            AddContentLength(response.DeclaredContentLength);
        }

        var noBody = response.BodyKind == ResponseBodyKind.None
            || (response.BodyKind == ResponseBodyKind.ContentLength && response.ContentLength == 0);
        _exchange.Status = response.StatusCode;
        _headSent = true;
        if (noBody)
        {
            await _stream.WriteResponseHeadAsync(response.StatusCode, endStream: true);
        }
        else
        {
            // The body follows at once (often already read with the head): the head leaves with its first bytes.
            _stream.HoldResponseHead(response.StatusCode);
        }

        var copy = noBody
            ? (_stream.Aborted.IsCancellationRequested ? BodyCopyResult.ClientFailed : BodyCopyResult.Complete)
            : await CopyResponseBodyAsync(response, upstream, routeId);

        // The upstream answered before reading the whole request body (its own 413, say): stop sending it.
        var requestBodyDone = true;
        if (_bodyCopyRunning)
        {
            if (!_bodyCopy.IsCompleted)
            {
                upstream.Abort();
            }

            var bodyResult = await StopRequestBodyAsync();
            requestBodyDone = bodyResult == BodyCopyResult.Complete;
            if (copy == BodyCopyResult.UpstreamFailed && BodyCopier.IsClientFault(bodyResult))
            {
                // The client broke its request body mid-response, and the body copy aborted the upstream for it.
                copy = BodyCopyResult.ClientFailed;
            }
        }

        if (_stream.Aborted.IsCancellationRequested && copy != BodyCopyResult.Complete)
        {
            copy = BodyCopyResult.ClientFailed;
        }

        ReleaseUpstream(reusable: copy == BodyCopyResult.Complete && requestBodyDone && response.KeepAlive);
        _exchange.Outcome = copy switch
        {
            BodyCopyResult.Complete => RequestOutcome.Forwarded,
            BodyCopyResult.ClientFailed => RequestOutcome.ClientFailed,
            _ => RequestOutcome.UpstreamFailed,
        };

        if (copy != BodyCopyResult.Complete)
        {
            // The head is already on its way: the only honest signal left is to reset the stream.
            var clientSide = copy == BodyCopyResult.ClientFailed;
            ProxyLog.BodyAborted(_logger, ConnectionId, routeId, clientSide ? "client" : "upstream", copy.ToString());
            _stream.Reset(clientSide ? Http2ErrorCode.Cancel : Http2ErrorCode.InternalError);
        }
    }

    /// <summary>Sends the response body as DATA (the head is already sent) and ends the stream.</summary>
    private ValueTask<BodyCopyResult> CopyResponseBodyAsync(Http1ResponseHead response, TransportConnection upstream, string routeId) => response.BodyKind switch
    {
        ResponseBodyKind.ContentLength => CopyFixedResponseAsync(upstream, response.ContentLength),
        ResponseBodyKind.Chunked => CopyChunkedResponseAsync(upstream, routeId),
        _ => CopyResponseToEndAsync(upstream),
    };

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyCopyResult> CopyFixedResponseAsync(TransportConnection upstream, long length)
    {
        var remaining = length;
        while (remaining > 0)
        {
            var (read, failure) = await ReadUpstreamAsync(upstream);
            if (failure != BodyCopyResult.Complete)
            {
                return failure;
            }

            var buffer = read.Buffer;
            if (buffer.IsEmpty && read.IsCompleted)
            {
                // Fewer bytes than Content-Length promised: a truncated message (RFC 9112 §8).
                upstream.Input.AdvanceTo(buffer.End);
                return BodyCopyResult.UpstreamFailed;
            }

            var chunk = buffer.Length > remaining ? buffer.Slice(0, remaining) : buffer;
            remaining -= chunk.Length;
            var result = await SendDataAsync(chunk, endStream: remaining == 0);
            upstream.Input.AdvanceTo(chunk.End);
            if (result != BodyCopyResult.Complete)
            {
                return result;
            }
        }

        upstream.ClearTimeout();
        return BodyCopyResult.Complete;
    }

    /// <summary>A close-delimited response (RFC 9112 §6.3 rule 8): everything until the upstream closes, then END_STREAM.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyCopyResult> CopyResponseToEndAsync(TransportConnection upstream)
    {
        while (true)
        {
            var (read, failure) = await ReadUpstreamAsync(upstream);
            if (failure != BodyCopyResult.Complete)
            {
                return failure;
            }

            var buffer = read.Buffer;
            var result = buffer.IsEmpty ? BodyCopyResult.Complete : await SendDataAsync(buffer, endStream: false);
            upstream.Input.AdvanceTo(buffer.End);
            if (result != BodyCopyResult.Complete)
            {
                return result;
            }

            if (read.IsCompleted)
            {
                upstream.ClearTimeout();
                return await CompleteResponseAsync();
            }
        }
    }

    /// <summary>
    /// A chunked response, de-chunked (RFC 9112 §7.1, validated byte by byte by <see cref="ChunkedBodyReader"/>): chunk
    /// data becomes DATA, the trailer section the stream's trailers (RFC 9113 §8.1), fields that may not be trailers dropped.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyCopyResult> CopyChunkedResponseAsync(TransportConnection upstream, string routeId)
    {
        var reader = ChunkedBodyReader.ForDecoding(long.MaxValue, _options.Limits);
        while (true)
        {
            var (read, failure) = await ReadUpstreamAsync(upstream);
            if (failure != BodyCopyResult.Complete)
            {
                return failure;
            }

            var buffer = read.Buffer;
            ChunkedStatus status;
            while (true)
            {
                status = reader.Decode(buffer, out var consumed, out var piece, out var error);
                if (status == ChunkedStatus.Error)
                {
                    upstream.Input.AdvanceTo(buffer.End);
                    ProxyLog.UpstreamBadResponse(_logger, ConnectionId, routeId, _exchange.UpstreamName, Http1ParseError.Describe(error));
                    return BodyCopyResult.UpstreamFailed;
                }

                if (piece.Kind == ChunkedPieceKind.Data)
                {
                    var result = await SendDataAsync(buffer.Slice(piece.Start, piece.Length), endStream: false);
                    if (result != BodyCopyResult.Complete)
                    {
                        upstream.Input.AdvanceTo(buffer.End);
                        return result;
                    }
                }
                else if (piece.Kind == ChunkedPieceKind.TrailerField)
                {
                    AddTrailer(buffer.Slice(piece.Start, piece.Length));
                }

                buffer = buffer.Slice(consumed);
                if (piece.Kind == ChunkedPieceKind.None || status == ChunkedStatus.Done)
                {
                    break;
                }
            }

            upstream.Input.AdvanceTo(buffer.Start, read.Buffer.End);
            if (status == ChunkedStatus.Done)
            {
                upstream.ClearTimeout();
                return await CompleteResponseAsync();
            }

            if (read.IsCompleted)
            {
                return BodyCopyResult.UpstreamFailed;
            }
        }
    }

    /// <summary>One trailer field line of the upstream's chunked body, passed on when it may be a trailer.</summary>
    private void AddTrailer(in ReadOnlySequence<byte> line)
    {
        if (line.IsSingleSegment)
        {
            AddTrailer(line.FirstSpan);
            return;
        }

        var length = (int)line.Length;
        byte[]? rented = null;
        var scratch = length <= StackTrailerLineBytes ? stackalloc byte[StackTrailerLineBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            line.CopyTo(scratch);
            AddTrailer(scratch[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private void AddTrailer(ReadOnlySpan<byte> line)
    {
        // Validated by the reader already; parsed again here only to find where name and value sit.
        if (Http1Parser.ParseFieldLine(line, 0, out var entry) != Http1ErrorKind.None)
        {
            return;
        }

        var name = line.Slice(entry.NameStart, entry.NameLength);
        if (ResponseHeaderTransform.Forwards(entry.Known, namedInConnection: false) && TrailerFields.IsAllowed(name))
        {
            _stream.AddResponseField(name, line.Slice(entry.ValueStart, entry.ValueLength));
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(ReadResult Read, BodyCopyResult Failure)> ReadUpstreamAsync(TransportConnection upstream)
    {
        upstream.SetTimeout(_options.ResponseTimeout, TimeoutReason.UpstreamResponse);
        try
        {
            var pending = upstream.Input.ReadAsync();
            if (!pending.IsCompleted)
            {
                // Nothing more to send for now: what the stream holds goes out while the upstream is awaited.
                await _stream.FlushAsync();
            }

            var read = await pending;
            if (read.IsCanceled)
            {
                upstream.Input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                return (read, BodyCopyResult.UpstreamFailed);
            }

            return (read, BodyCopyResult.Complete);
        }
        catch (Exception ex) when (BodyCopier.IsIoFailure(ex))
        {
            return (default, _stream.Aborted.IsCancellationRequested ? BodyCopyResult.ClientFailed : BodyCopyResult.UpstreamFailed);
        }
    }

    /// <summary>
    /// Body bytes to the client. Without END_STREAM they are held (up to the stream's bound): the next write that waits,
    /// or the flush before the next upstream read that must wait, sends them, so a small response leaves in one send.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyCopyResult> SendDataAsync(ReadOnlySequence<byte> data, bool endStream)
    {
        _exchange.AddBytesOut(data.Length);
        var sent = endStream ? await _stream.WriteDataAsync(data, endStream: true) : await _stream.HoldDataAsync(data);
        return sent ? BodyCopyResult.Complete : BodyCopyResult.ClientFailed;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyCopyResult> CompleteResponseAsync()
        => await _stream.CompleteResponseAsync() ? BodyCopyResult.Complete : BodyCopyResult.ClientFailed;
}
