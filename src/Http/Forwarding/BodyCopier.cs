using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using FastProxy.Core.Transport;
using FastProxy.Http.Http1;
using FastProxy.Http.Proxy;
using Microsoft.Extensions.Logging;

namespace FastProxy.Http.Forwarding;

/// <summary>
/// Streams message bodies between the client connection and an upstream connection, never buffering one whole:
/// fixed-length, chunked (validated byte by byte) and close-delimited bodies, the request body within its limit.
/// Every failure blames a side (<see cref="BodyCopyResult"/>), every byte is counted on the exchange, and a peer that
/// stalls past its deadline has its connection aborted. One per client connection.
/// </summary>
internal sealed class BodyCopier(TransportConnection client, Http1ProxyOptions options, ILogger logger)
{
    private string? ClientName => client.RemoteAddress?.ToString();

    /// <summary>
    /// Streams the request body to the upstream as it arrives (never buffered whole). Request trailers are dropped:
    /// they would reach the upstream unchecked by the gate and unstripped (identity fields, X-Forwarded-*), for any
    /// upstream that merges them into its headers; no route needs them, and RFC 9110 §6.5.1 already tells senders
    /// that trailers may be discarded in transit.
    /// </summary>
    public async Task<BodyCopyResult> CopyRequestBodyAsync(Http1RequestHead request, TransportConnection upstream, ForwardingExchange exchange)
    {
        var side = new CopySides(client, upstream, upstream.Output, options.IdleTimeout, TimeoutReason.RequestBody, BodyCopyResult.ClientFailed, BodyCopyResult.UpstreamFailed, exchange, ToClient: false);
        var result = request.BodyKind == BodyKind.ContentLength
            ? await CopyFixedAsync(side, request.ContentLength)
            : await CopyChunkedAsync(side, options.MaxRequestBodyBytes, dropTrailers: true);
        if (IsClientFault(result))
        {
            // The upstream holds a head and part of a body that will never be completed: abort it now, so it neither
            // waits out its own timeout nor gets pooled (a cheap way to pin upstream connections otherwise). The
            // pending response-head read fails at once and the request is answered as the client's fault (400/413).
            if (result == BodyCopyResult.ClientFailed)
            {
                ProxyLog.BadRequestBody(logger, client.Id, ClientName, DescribeClientFailure());
            }

            upstream.Abort();
        }

        return result;
    }

    /// <summary>Whether a request-body copy ended by the client's fault: it broke the framing, passed the limit, or went away.</summary>
    public static bool IsClientFault(BodyCopyResult result)
        => result is BodyCopyResult.ClientFailed or BodyCopyResult.InvalidFraming or BodyCopyResult.TooLarge;

    /// <summary>Why the client side of a request-body copy failed, for the log.</summary>
    private string DescribeClientFailure() => client.TimedOutReason == TimeoutReason.RequestBody
        ? "incomplete: no body bytes within the idle timeout"
        : "incomplete: the client closed or reset the connection before the whole body";

    /// <summary>Ends a request body copy that is still running and returns how it ended.</summary>
    public async Task<BodyCopyResult> StopRequestBodyAsync(Task<BodyCopyResult> bodyCopy)
    {
        if (!bodyCopy.IsCompleted)
        {
            client.Input.CancelPendingRead();
        }

        return await bodyCopy;
    }

    /// <summary>Sends the response body (the head is already written) and flushes; with no body, only flushes the head.</summary>
    public ValueTask<BodyCopyResult> CopyResponseBodyAsync(Http1ResponseHead response, TransportConnection upstream, ForwardingExchange exchange)
    {
        var sides = new CopySides(upstream, client, client.Output, options.ResponseTimeout, TimeoutReason.UpstreamResponse, BodyCopyResult.UpstreamFailed, BodyCopyResult.ClientFailed, exchange, ToClient: true);
        return response.BodyKind switch
        {
            ResponseBodyKind.ContentLength => CopyFixedAsync(sides, response.ContentLength),
            ResponseBodyKind.Chunked => CopyChunkedAsync(sides, maxBodyBytes: 0, dropTrailers: false),
            ResponseBodyKind.CloseDelimited => CopyToEndAsync(sides),
            _ => FlushClientAsync(),
        };
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyCopyResult> FlushClientAsync()
    {
        try
        {
            var flush = await FlushWithDeadlineAsync(client.Output, client, options.IdleTimeout);
            return flush.IsCompleted || flush.IsCanceled ? BodyCopyResult.ClientFailed : BodyCopyResult.Complete;
        }
        catch (Exception ex) when (IsIoFailure(ex))
        {
            return BodyCopyResult.ClientFailed;
        }
    }

    /// <summary>A close-delimited response (RFC 9112 §6.3 rule 8): everything until the upstream closes.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<BodyCopyResult> CopyToEndAsync(CopySides sides)
    {
        while (true)
        {
            var (read, failure) = await ReadAsync(sides);
            if (failure != BodyCopyResult.Complete)
            {
                return failure;
            }

            var buffer = read.Buffer;
            var result = await WriteAsync(sides, buffer);
            sides.From.Input.AdvanceTo(buffer.End);
            if (result != BodyCopyResult.Complete)
            {
                return result;
            }

            if (read.IsCompleted)
            {
                return BodyCopyResult.Complete;
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<BodyCopyResult> CopyFixedAsync(CopySides sides, long length)
    {
        var remaining = length;
        while (remaining > 0)
        {
            var (read, failure) = await ReadAsync(sides);
            if (failure != BodyCopyResult.Complete)
            {
                return failure;
            }

            var buffer = read.Buffer;
            if (buffer.IsEmpty && read.IsCompleted)
            {
                // Fewer bytes than Content-Length promised: a truncated message (RFC 9112 §8).
                return sides.ReadFailure;
            }

            var chunk = buffer.Length > remaining ? buffer.Slice(0, remaining) : buffer;
            var result = await WriteAsync(sides, chunk);
            sides.From.Input.AdvanceTo(chunk.End);
            remaining -= chunk.Length;
            if (result != BodyCopyResult.Complete)
            {
                return result;
            }
        }

        if (length == 0)
        {
            return await WriteAsync(sides, ReadOnlySequence<byte>.Empty);
        }

        sides.From.ClearTimeout();
        return BodyCopyResult.Complete;
    }

    /// <summary>
    /// Forwards a chunked body verbatim after validating its framing byte by byte: what reaches
    /// the next hop is exactly what was checked, so the two hops cannot disagree on where the
    /// message ends (request smuggling, RFC 9112 §11.2). With <paramref name="dropTrailers"/> the
    /// trailer section is validated but replaced by an empty one.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyCopyResult> CopyChunkedAsync(CopySides sides, long maxBodyBytes, bool dropTrailers)
    {
        // 0 in configuration means no limit; the reader takes a hard byte budget.
        var reader = new ChunkedBodyReader(maxBodyBytes > 0 ? maxBodyBytes : long.MaxValue, options.Limits, dropTrailers);
        while (true)
        {
            var (read, failure) = await ReadAsync(sides);
            if (failure != BodyCopyResult.Complete)
            {
                return failure;
            }

            var buffer = read.Buffer;
            var status = reader.Advance(buffer, out var validBytes, out var forwardBytes, out var error);
            var forward = buffer.Slice(0, forwardBytes);
            var endTrailers = dropTrailers && status == ChunkedStatus.Done;
            var result = forward.IsEmpty && status != ChunkedStatus.Done ? BodyCopyResult.Complete : await WriteAsync(sides, forward, endTrailers);
            sides.From.Input.AdvanceTo(buffer.GetPosition(validBytes), buffer.End);
            if (result != BodyCopyResult.Complete)
            {
                return result;
            }

            switch (status)
            {
                case ChunkedStatus.Done:
                    sides.From.ClearTimeout();
                    return BodyCopyResult.Complete;
                case ChunkedStatus.Error:
                    ProxyLog.BadRequestBody(logger, client.Id, ClientName, Http1ParseError.Describe(error));
                    return error == Http1ErrorKind.BodyTooLarge ? BodyCopyResult.TooLarge : BodyCopyResult.InvalidFraming;
                default:
                    if (read.IsCompleted)
                    {
                        return sides.ReadFailure;
                    }

                    break;
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<(ReadResult Read, BodyCopyResult Failure)> ReadAsync(CopySides sides)
    {
        sides.From.SetTimeout(sides.Timeout, sides.TimeoutReason);
        try
        {
            var read = await sides.From.Input.ReadAsync();
            if (read.IsCanceled)
            {
                sides.From.Input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                return (read, sides.From.TimedOutReason == TimeoutReason.None ? BodyCopyResult.Canceled : sides.ReadFailure);
            }

            return (read, BodyCopyResult.Complete);
        }
        catch (Exception ex) when (IsIoFailure(ex))
        {
            return (default, sides.ReadFailure);
        }
    }

    /// <summary>Writes <paramref name="data"/> (then, with <paramref name="endTrailerSection"/>, an empty trailer section) and flushes.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<BodyCopyResult> WriteAsync(CopySides sides, ReadOnlySequence<byte> data, bool endTrailerSection = false)
    {
        // Body bytes as they cross the proxy (chunked framing included) for the audit record.
        var length = data.Length + (endTrailerSection ? ChunkedBodyReader.EmptyTrailerSection.Length : 0);
        if (sides.ToClient)
        {
            sides.Exchange.AddBytesOut(length);
        }
        else
        {
            sides.Exchange.AddBytesIn(length);
        }

        try
        {
            foreach (var segment in data)
            {
                sides.To.Write(segment.Span);
            }

            if (endTrailerSection)
            {
                sides.To.Write(ChunkedBodyReader.EmptyTrailerSection);
            }

            var flush = await FlushWithDeadlineAsync(sides.To, sides.ToConnection, sides.Timeout);
            return flush.IsCompleted || flush.IsCanceled ? sides.WriteFailure : BodyCopyResult.Complete;
        }
        catch (Exception ex) when (IsIoFailure(ex))
        {
            return sides.WriteFailure;
        }
    }

    /// <summary>
    /// Flushes; a peer that stops reading (a slow-read attack, or a dead peer whose window is
    /// full) gets <paramref name="timeout"/> to take the bytes, then its connection is aborted,
    /// so it cannot pin this connection, an upstream connection and their buffers forever. The
    /// common case, a flush the kernel takes at once, allocates nothing.
    /// </summary>
    public static ValueTask<FlushResult> FlushWithDeadlineAsync(PipeWriter writer, TransportConnection connection, TimeSpan timeout)
    {
        var flush = writer.FlushAsync();
        return flush.IsCompleted ? flush : WaitForFlushAsync(flush.AsTask(), connection, timeout);
    }

    private static async ValueTask<FlushResult> WaitForFlushAsync(Task<FlushResult> flush, TransportConnection connection, TimeSpan timeout)
    {
        using var expired = new CancellationTokenSource(timeout);
        try
        {
            return await flush.WaitAsync(expired.Token);
        }
        catch (OperationCanceledException) when (expired.IsCancellationRequested)
        {
            // The send is still pending in the socket: only an abort ends it.
            connection.Abort();
            return new FlushResult(isCanceled: true, isCompleted: true);
        }
    }

    public static bool IsIoFailure(Exception ex)
        => ex is IOException or SocketException or InvalidOperationException or OperationCanceledException or ObjectDisposedException;

    /// <summary>One direction of a body copy: where bytes come from, where they go, and whom to blame for what.</summary>
    private readonly record struct CopySides(
        TransportConnection From,
        TransportConnection ToConnection,
        PipeWriter To,
        TimeSpan Timeout,
        TimeoutReason TimeoutReason,
        BodyCopyResult ReadFailure,
        BodyCopyResult WriteFailure,
        ForwardingExchange Exchange,
        bool ToClient);
}
