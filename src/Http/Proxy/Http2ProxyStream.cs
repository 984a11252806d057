using System.Buffers;
using System.Runtime.CompilerServices;
using FastProxy.Core.Errors;
using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Core.Routing;
using FastProxy.Http.Forwarding;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.Streams;
using Microsoft.Extensions.Logging;

namespace FastProxy.Http.Proxy;

/// <summary>
/// One HTTP/2 request in progress, from its complete head to its record: the HTTP/2 counterpart of what
/// <see cref="Http1ProxyConnection"/> does per request. It runs the shared stages on a pooled
/// <see cref="ForwardingExchange"/> (route, gate with its Retry verdict, audit stance, body limit), answers refusals
/// as HTTP/2 responses, and exchanges the request with an HTTP/1.1 upstream (<c>.Upstream.cs</c>) and relays the
/// answer as HTTP/2 (<c>.Response.cs</c>). Pooled by <see cref="Http2ProxyStreamHandler"/> and reset between
/// streams; its async methods use the pooling builder, so a request costs no allocation in steady state.
/// </summary>
internal sealed partial class Http2ProxyStream
{
    private const string Protocol = "HTTP/2";

    private readonly Http2ProxyStreamHandler _handler;
    private readonly Http1ProxyOptions _options;
    private readonly ILogger _logger;

    private IHttp2RequestStream _stream = null!;
    private ClientIdentity _client = null!;
    private ForwardingExchange _exchange = null!;

    // Whether a final response head went to the client: from then on a failure can only reset the stream.
    private bool _headSent;

    // Whether the request is a gRPC call (its route is marked, or its content-type says so): refusals are answered the gRPC way.
    private bool _grpc;

    public Http2ProxyStream(Http2ProxyStreamHandler handler)
    {
        _handler = handler;
        _options = handler.Options;
        _logger = handler.Logger;
    }

    private long ConnectionId => _stream.Connection.Id;

    private string? ClientName => _client.Address?.ToString();

    /// <summary>Serves <paramref name="stream"/> to its end (response complete or stream reset), records it, and goes back to the pool.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask RunAsync(IHttp2RequestStream stream, ClientIdentity client)
    {
        _stream = stream;
        _client = client;
        var runtime = _handler.Runtime();
        _exchange = ExchangePool.Rent();
        _exchange.Begin(runtime, _options.Time, RequestIds.Create(stream));
        try
        {
            await ProcessAsync(runtime);
        }
        catch (Exception ex) when (ex is Http2StreamAbortedException || (BodyCopier.IsIoFailure(ex) && stream.Aborted.IsCancellationRequested))
        {
            // The client reset the stream (or its connection ended) while the proxy was answering it.
            await AbandonUpstreamAsync();
            _exchange.Outcome = RequestOutcome.ClientFailed;
            stream.Reset(Http2ErrorCode.Cancel);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug in one stream never takes its connection down: the stream is reset, the connection goes on.
            ProxyLog.Http2StreamUnexpected(_logger, ConnectionId, stream.StreamId, ex);
            await AbandonUpstreamAsync();
            stream.Reset(Http2ErrorCode.InternalError);
        }
        finally
        {
            try
            {
                // Unread request body is discarded by the connection (and its flow-control credit given back).
                await stream.RequestBody.CompleteAsync();
                _exchange.Complete(client, Protocol, stream.MethodBytes, stream.Host, stream.Path);
            }
            finally
            {
                ExchangePool.Return(_exchange);
                _handler.Return(this);
            }
        }
    }

    /// <summary>Back to the state of a fresh stream state.</summary>
    internal void Reset()
    {
        _stream = null!;
        _client = null!;
        _exchange = null!;
        _headSent = false;
        _grpc = false;
        ResetUpstream();
    }

    /// <summary>Routes, decides and, when allowed, forwards the request.</summary>
    private ValueTask ProcessAsync(ProxyRuntime runtime)
    {
        _grpc = GrpcRequests.HasGrpcContentType(_stream);
        // RFC 9110 §9.3.6 (and RFC 9113 §8.5): CONNECT asks for a tunnel whose bytes no route, gate or audit would ever
        // see; 501 as for HTTP/1.1 (extended CONNECT, RFC 8441, is not offered either).
        if (_stream.Method == RequestMethod.Connect)
        {
            _exchange.Outcome = RequestOutcome.ClientFailed;
            ProxyLog.ConnectRefused(_logger, ConnectionId, ClientName);
            return WriteErrorAsync(ProxyErrorKind.NotImplemented);
        }

        if (!Http2RequestHeadWriter.IsSafeToRestate(_stream, out var badField))
        {
            _exchange.Outcome = RequestOutcome.ClientFailed;
            ProxyLog.Http2UnsafeField(_logger, ConnectionId, _stream.StreamId, ClientName, badField);
            return WriteErrorAsync(ProxyErrorKind.BadRequest);
        }

        var match = Forwarder.Route(_exchange, _stream);
        _grpc |= runtime.IsGrpcRoute(_exchange.RouteIndex);
        if (match != RouteMatchKind.Matched)
        {
            var kind = match == RouteMatchKind.MethodNotAllowed ? ProxyErrorKind.MethodNotAllowed : ProxyErrorKind.NoRoute;
            Forwarder.RefuseUnrouted(_exchange, match);
            ProxyLog.NoRoute(_logger, ConnectionId, ProxyErrorMapping.ToStatus(kind));
            return WriteErrorAsync(kind);
        }

        var decision = Forwarder.Decide(_exchange, _stream, _client);
        return decision.Verdict == GateVerdict.Retry
            ? DecideAgainAsync(runtime, decision.Pending!)
            : ActAsync(runtime, decision);
    }

    /// <summary>
    /// The gate has work to finish first (a token verified off the event loop, keys for an unknown kid): wait once,
    /// decide again with that work as settled (as HTTP/1.1 does). A second Retry is a refusal.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DecideAgainAsync(ProxyRuntime runtime, Task pending)
    {
        try
        {
            await pending;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The pending work failing is the gate's to report; the second evaluation decides.
        }

        var decision = Forwarder.Decide(_exchange, _stream, _client, settled: pending);
        if (decision.Verdict == GateVerdict.Retry)
        {
            _exchange.Outcome = RequestOutcome.Denied;
            await WriteErrorAsync(ProxyErrorKind.IdentityUnavailable);
            return;
        }

        await ActAsync(runtime, decision);
    }

    /// <summary>Carries out a decided verdict: the refusal, the audit stance, or forwarding.</summary>
    private ValueTask ActAsync(ProxyRuntime runtime, GateDecision decision)
    {
        if (decision.Verdict == GateVerdict.Deny)
        {
            _exchange.Outcome = RequestOutcome.Denied;
            return WriteDenialAsync(decision);
        }

        if (!Forwarder.AdmitUnderAuditStance(_exchange))
        {
            ProxyLog.AuditUnavailable(_logger, ConnectionId, runtime.RouteIds[_exchange.RouteIndex]);
            return WriteErrorAsync(ProxyErrorKind.AuditUnavailable);
        }

        return ForwardAsync(runtime, _exchange.RouteIndex, decision);
    }

    /// <summary>The gate's refusal: its status, its header fields (e.g. WWW-Authenticate) and its small JSON body.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteDenialAsync(GateDecision decision)
    {
        _exchange.Status = decision.Status;
        if (_grpc)
        {
            await WriteGrpcRefusalAsync(GrpcStatusMapping.FromHttpStatus(decision.Status), decision.Status);
            return;
        }

        var body = decision.ResponseBody;
        AddContentFields(body.Length);
        var sink = new Http2ResponseFieldSink(_stream);
        decision.ResponseHeaders.WriteTo(ref sink);
        _headSent = true;
        await _stream.WriteResponseHeadAsync(decision.Status, endStream: body.IsEmpty);
        if (!body.IsEmpty)
        {
            await _stream.WriteDataAsync(new ReadOnlySequence<byte>(body), endStream: true);
        }
    }

    /// <summary>
    /// Answers a failure named by <paramref name="kind"/>: before the response head, the status
    /// <see cref="ProxyErrorMapping"/> gives it with the short body HTTP/1.1 sends; after it, the only signal left is
    /// RST_STREAM (<see cref="Http2ErrorCode.Cancel"/> when the client went away, INTERNAL_ERROR otherwise).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteErrorAsync(ProxyErrorKind kind)
    {
        if (_headSent || _stream.Aborted.IsCancellationRequested)
        {
            _stream.Reset(_stream.Aborted.IsCancellationRequested ? Http2ErrorCode.Cancel : Http2ErrorCode.InternalError);
            return;
        }

        var status = ProxyErrorMapping.ToStatus(kind);
        _exchange.Status = status;
        if (_grpc)
        {
            await WriteGrpcRefusalAsync(GrpcStatusMapping.FromKind(kind), status);
            return;
        }

        var body = ErrorResponses.Body(kind);
        AddContentFields(body.Length);
        _headSent = true;
        await _stream.WriteResponseHeadAsync(status, endStream: false);
        await _stream.WriteDataAsync(new ReadOnlySequence<byte>(body), endStream: true);
    }

    /// <summary>
    /// A refusal the gRPC way: one HEADERS with END_STREAM, :status 200 and the gRPC status (a trailers-only response).
    /// The record keeps <paramref name="httpStatus"/>, the HTTP status the refusal stands for (set by the caller).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteGrpcRefusalAsync(GrpcStatus status, int httpStatus)
    {
        var sink = new Http2ResponseFieldSink(_stream);
        GrpcRefusal.WriteFields(ref sink, status, GrpcStatusMapping.MessageFor(httpStatus));
        _headSent = true;
        await _stream.WriteResponseHeadAsync(200, endStream: true);
    }

    private void AddContentFields(int length)
    {
        if (length == 0)
        {
            return;
        }

        _stream.AddResponseField("content-type"u8, "application/json"u8);
        AddContentLength(length);
    }

    private void AddContentLength(long length)
    {
        Span<byte> digits = stackalloc byte[20];
        System.Buffers.Text.Utf8Formatter.TryFormat(length, digits, out var written);
        _stream.AddResponseField("content-length"u8, digits[..written]);
    }
}
