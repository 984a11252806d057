using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using FastProxy.Core.Errors;
using FastProxy.Core.Gate;
using FastProxy.Core.Limits;
using FastProxy.Core.Observability;
using FastProxy.Core.Routing;
using FastProxy.Core.Transport;
using FastProxy.Http.Forwarding;
using FastProxy.Http.Http1;
using FastProxy.Http.Http2;
using Microsoft.Extensions.Logging;

namespace FastProxy.Http.Proxy;

/// <summary>
/// One downstream HTTP/1.1 connection: reads request heads in order (keep-alive and pipelining
/// are answered one request at a time, so responses keep the order of requests) and runs each
/// through the protocol-independent forwarding stages (<see cref="Forwarder"/>, facts on a pooled
/// <see cref="ForwardingExchange"/>, bodies through <see cref="BodyCopier"/>), carrying out the
/// HTTP/1.1 upstream exchange and relay itself. The head and exchange objects are rented only
/// while a request is in progress, so an idle keep-alive connection holds no buffers.
/// </summary>
internal sealed partial class Http1ProxyConnection
{
    private readonly TransportConnection _connection;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Func<ProxyRuntime> _runtime;
    private readonly Http1ProxyOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationToken _shuttingDown;
    private readonly TimeProvider _time;
    private readonly ClientIdentity _client;
    private readonly ReadOnlyMemory<byte> _scheme;
    private readonly BodyCopier _bodies;

    // Serves the connection instead when its first bytes are the HTTP/2 preface (h2c prior knowledge); null: refused as HTTP/1.1.
    private readonly ConnectionHandler? _http2PriorKnowledge;

    // Rented from HeadPools while a request is in progress; null while the connection idles.
    private Http1RequestHead _request = null!;
    private Http1ResponseHead _response = null!;
    private bool _sawRequestBytes;
    private bool _firstRequest = true;

    // _forward holds the upstream lease of the request in progress, from its lease to its release; _awaitingResponseHead
    // is set by ForwardAsync once the request is on its way, for RunAsync to read the response head.
    private bool _awaitingResponseHead;
    private PendingForward _forward;

    // While a forward waits on its upstream (response head and body), the client's input is watched for a reset: the
    // upstream connection in use is aborted at once instead of answering a client that is gone (see OnClientFailed).
    private static readonly Action<object?> ClientFailedCallback = static state => ((Http1ProxyConnection)state!).OnClientFailed();
    private TransportConnection? _upstreamInUse;
    private volatile bool _clientGone;
    private bool _watchingClient;

    // The request in progress, from its complete head to its record; null while the connection waits for a head.
    private ForwardingExchange _exchange = null!;

    // The connection's request budget (limits.max_requests_per_connection_per_second), from the snapshot in force when it opened.
    private readonly RequestRateLimit _requestRateLimit;
    private RequestRateBucket _requestRate;

    // Whether the request in progress is a gRPC call (its route is marked, or its content-type says so): refusals are answered the gRPC way.
    private bool _grpc;

    public Http1ProxyConnection(TransportConnection connection, Func<ProxyRuntime> runtime, Http1ProxyOptions options, ILogger logger, CancellationToken shuttingDown, ConnectionHandler? http2PriorKnowledge = null)
    {
        _http2PriorKnowledge = http2PriorKnowledge;
        _connection = connection;
        _input = connection.Input;
        _output = connection.Output;
        _runtime = runtime;
        _options = options;
        _logger = logger;
        _shuttingDown = shuttingDown;
        _time = options.Time;
        var address = connection.RemoteAddress;
        _client = ClientIdentity.ForConnection(address, connection.Security);
        _scheme = connection.Listener is { } listener ? listener.SchemeBytes : options.SchemeBytes;
        _bodies = new BodyCopier(connection, options, logger);
        _requestRateLimit = runtime().RequestRate;
        if (!_requestRateLimit.IsUnlimited)
        {
            _requestRate = new RequestRateBucket(_requestRateLimit, _time.TimestampFrequency, _time.GetTimestamp());
        }
    }

    private string? ClientName => _client.Address?.ToString();

    public async Task RunAsync()
    {
        // Graceful shutdown: a connection waiting for its next request is woken by the listener's
        // drain (SetAwaitingRequest) and closes; one with a request in progress finishes it and then
        // closes (the token is checked after each request).
        try
        {
            while (!_shuttingDown.IsCancellationRequested)
            {
                // The head is read here, not in a helper async method: an idle keep-alive connection
                // then holds this one async frame and nothing else.
                BeginRequestHead();
                HeadStep step;
                ProxyErrorKind errorKind;
                do
                {
                    _connection.SetAwaitingRequest(!_sawRequestBytes);
                    if (!_sawRequestBytes && _shuttingDown.IsCancellationRequested)
                    {
                        step = HeadStep.Close;
                        errorKind = ProxyErrorKind.None;
                        break;
                    }

                    ReadResult result;
                    try
                    {
                        result = await _input.ReadAsync();
                    }
                    catch (IOException)
                    {
                        // Reset or aborted between requests: the client is gone, nothing to answer.
                        step = HeadStep.Close;
                        errorKind = ProxyErrorKind.None;
                        break;
                    }
                    finally
                    {
                        _connection.SetAwaitingRequest(false);
                    }

                    step = OnRequestHeadRead(result, out errorKind);
                }
                while (step == HeadStep.NeedMore);

                if (step == HeadStep.SwitchToHttp2)
                {
                    // The preface is left unread: the HTTP/2 connection reads and checks it itself.
                    ReturnHeads();
                    await _http2PriorKnowledge!(_connection, _shuttingDown);
                    break;
                }

                if (step == HeadStep.Error)
                {
                    await WriteErrorAsync(errorKind);
                }

                if (step != HeadStep.Complete)
                {
                    break;
                }

                if (_requestRate.IsLimited && !_requestRate.TryTake(_time.GetTimestamp()))
                {
                    // Before the route, the gate and the audit trail: over its rate the request costs a constant answer.
                    await RefuseOverRateAsync();
                    break;
                }

                // Awaited here, in the connection's one long-lived frame, down to the upstream's response head:
                // every async method that waits between this frame and the upstream costs a state-machine box
                // per request (the pooling builder keeps one per thread and one per core, not one per connection).
                var runtime = _runtime();
                BeginRequest(runtime);
                bool keepAlive;
                try
                {
                    keepAlive = await ProcessRequest(runtime);
                    if (_awaitingResponseHead)
                    {
                        _watchingClient = true;
                        _connection.OnInputFailed(ClientFailedCallback, this);
                    }

                    while (_awaitingResponseHead)
                    {
                        // The upstream's answer is awaited here too (see ForwardAsync), and again after a retry.
                        _awaitingResponseHead = false;
                        WatchUpstream(_forward.Lease.Connection);
                        var upstream = _forward.Lease.Connection.Input;
                        var sawBytes = false;
                        ResponseHeadOutcome outcome;
                        do
                        {
                            ReadResult response;
                            try
                            {
                                response = await upstream.ReadAsync();
                            }
                            catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException or System.Net.Sockets.SocketException)
                            {
                                outcome = sawBytes ? ResponseHeadOutcome.Closed : ResponseHeadOutcome.ClosedEarly;
                                break;
                            }

                            outcome = OnResponseHeadRead(upstream, response, ref sawBytes);
                        }
                        while (outcome == ResponseHeadOutcome.NeedMore);

                        keepAlive = await ContinueForwardAsync(outcome);
                    }
                }
                finally
                {
                    if (_watchingClient)
                    {
                        _watchingClient = false;
                        _connection.OnInputFailed(null, null);
                        Volatile.Write(ref _upstreamInUse, null);
                        _clientGone = false;
                    }

                    if (_forward.Lease.Connection is not null)
                    {
                        await AbandonPendingForwardAsync();
                    }

                    AbandonHttp2Upstream();

                    EndRequest();
                }

                ReturnHeads();
                if (!keepAlive)
                {
                    break;
                }
            }
        }
        catch (IOException ex)
        {
            // The peer reset or the transport aborted mid-request: routine on the internet.
            ProxyLog.ConnectionLost(_logger, _connection.Id, ex.Message);
            _connection.Abort();
        }
        catch (Exception ex)
        {
            // A bug in one connection never takes the process down (DESIGN.md, failure stance).
            ProxyLog.Unexpected(_logger, _connection.Id, ex);
            _connection.Abort();
        }
        finally
        {
            ReturnHeads();
            await _connection.DisposeAsync();
        }
    }

    /// <summary>
    /// After an unexpected failure while a forward held an upstream lease (<see cref="_forward"/> is set from the lease
    /// until its release): the upstream connection is closed and its pool slot freed, never pooled with an unread
    /// answer on it, and only once a request-body copy still writing to it has stopped.
    /// </summary>
    private async ValueTask AbandonPendingForwardAsync()
    {
        _awaitingResponseHead = false;
        _forward.Lease.Connection.ClearTimeout();
        try
        {
            await AbortUpstreamAsync(_forward.Lease, _forward.BodyCopy);
        }
#pragma warning disable CA1031 // the request already failed; how its body copy ended adds nothing, and this must not throw from a finally
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>Names the upstream connection the client watch aborts; one already gone is aborted now.</summary>
    private void WatchUpstream(TransportConnection upstream)
    {
        Volatile.Write(ref _upstreamInUse, upstream);
        if (_clientGone)
        {
            upstream.Abort();
        }
    }

    /// <summary>
    /// The client reset its connection while its request waits on the upstream (any thread): the upstream connection
    /// is aborted so it is freed now, not at the response timeout; the forward then ends as the client's failure.
    /// </summary>
    private void OnClientFailed()
    {
        _clientGone = true;
        Volatile.Read(ref _upstreamInUse)?.Abort();
    }

    private void ReturnHeads()
    {
        if (_request is not null)
        {
            HeadPools.Requests.Return(_request);
            _request = null!;
        }

        if (_response is not null)
        {
            HeadPools.Responses.Return(_response);
            _response = null!;
        }
    }

    /// <summary>
    /// Arms the deadline for the next request head: the first request must arrive within the header
    /// timeout (slowloris); later ones may idle for the keep-alive timeout, then get the header timeout
    /// from their first byte.
    /// </summary>
    private void BeginRequestHead()
    {
        _sawRequestBytes = false;
        if (_firstRequest)
        {
            _connection.SetTimeout(_options.HeaderTimeout, TimeoutReason.RequestHeaders);
        }
        else
        {
            _connection.SetTimeout(_options.IdleTimeout, TimeoutReason.KeepAliveIdle);
        }
    }

    /// <summary>Takes one read's worth of a request head: complete, more needed, close quietly, or answer <paramref name="errorKind"/> and close.</summary>
    private HeadStep OnRequestHeadRead(ReadResult result, out ProxyErrorKind errorKind)
    {
        errorKind = ProxyErrorKind.None;
        var buffer = result.Buffer;
        if (result.IsCanceled)
        {
            _input.AdvanceTo(buffer.Start, buffer.End);
            var reason = _connection.TimedOutReason;
            if (reason == TimeoutReason.RequestHeaders && !buffer.IsEmpty)
            {
                ProxyLog.HeaderTimeout(_logger, _connection.Id, _options.HeaderTimeout.TotalSeconds);
                errorKind = ProxyErrorKind.RequestHeadersTimeout;
                return HeadStep.Error;
            }

            if (reason != TimeoutReason.None || (buffer.IsEmpty && _shuttingDown.IsCancellationRequested))
            {
                // Idle keep-alive timeout, a connection that never sent a byte, or shutdown.
                return HeadStep.Close;
            }

            // A stale cancel (no deadline passed, not shutting down): read again.
            return HeadStep.NeedMore;
        }

        if (!_sawRequestBytes && !buffer.IsEmpty)
        {
            _sawRequestBytes = true;
            if (!_firstRequest)
            {
                _connection.SetTimeout(_options.HeaderTimeout, TimeoutReason.RequestHeaders);
            }
        }

        if (_firstRequest && _http2PriorKnowledge is not null && buffer.FirstSpan is [(byte)'P', ..])
        {
            // RFC 9113 §3.3: a client with prior knowledge starts with the HTTP/2 preface, which no HTTP/1.1 request
            // line can be ("PRI * HTTP/2.0"). Only the first request of a connection is looked at; a "P" method that
            // leaves the preface (POST, PUT, PATCH) goes on as HTTP/1.1 at once.
            var preface = Http2Preface.TryRead(buffer, out _);
            if (preface == Http2ReadStatus.Complete)
            {
                _input.AdvanceTo(buffer.Start);
                _connection.ClearTimeout();
                return HeadStep.SwitchToHttp2;
            }

            if (preface == Http2ReadStatus.Incomplete && !result.IsCompleted)
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
                return HeadStep.NeedMore;
            }
        }

        _request ??= HeadPools.Requests.Get();
        var status = Http1Parser.TryParseRequest(buffer, _request, _options.Limits, out var consumed, out var error);
        if (status == Http1ParseStatus.Complete)
        {
            _input.AdvanceTo(consumed);
            _connection.ClearTimeout();
            _firstRequest = false;
            return HeadStep.Complete;
        }

        if (status == Http1ParseStatus.Error)
        {
            _input.AdvanceTo(buffer.End);
            ProxyLog.BadRequest(_logger, _connection.Id, ClientName, ProxyLog.Describe(error), error.Status);
            errorKind = error.ErrorKind;
            return HeadStep.Error;
        }

        if (result.IsCompleted)
        {
            // The client closed; a partial head is dropped (nothing to answer on a closed stream).
            _input.AdvanceTo(buffer.End);
            return HeadStep.Close;
        }

        _input.AdvanceTo(buffer.Start, buffer.End);
        return HeadStep.NeedMore;
    }

    /// <summary>
    /// Routes, decides and forwards one request; true when the connection stays open for the next. Not an
    /// async method: the common paths hand back the forwarding or error-writing task as it is, so no
    /// state machine of this method waits per request; the rare waits are in the helpers below.
    /// </summary>
    private ValueTask<bool> ProcessRequest(ProxyRuntime runtime)
    {
        // RFC 9110 §9.3.6: CONNECT asks for a tunnel, whose bytes no route, gate or audit would ever see again.
        // 501 (RFC 9110 §15.6.2: a method the server does not support) and close: tunnel bytes may follow.
        if (_request.Method == RequestMethod.Connect)
        {
            _exchange.Outcome = RequestOutcome.ClientFailed;
            ProxyLog.ConnectRefused(_logger, _connection.Id, ClientName);
            return WriteErrorAsync(ProxyErrorKind.NotImplemented);
        }

        var match = Decide(runtime, out var routeIndex, out var decision);
        if (match != RouteMatchKind.Matched)
        {
            var kind = match == RouteMatchKind.MethodNotAllowed ? ProxyErrorKind.MethodNotAllowed : ProxyErrorKind.NoRoute;
            Forwarder.RefuseUnrouted(_exchange, match);
            ProxyLog.NoRoute(_logger, _connection.Id, ProxyErrorMapping.ToStatus(kind));
            return WriteErrorAsync(kind, close: !CanSkipBody());
        }

        return decision.Verdict == GateVerdict.Retry
            ? DecideAgainAsync(runtime, decision.Pending!)
            : Act(runtime, routeIndex, decision);
    }

    /// <summary>
    /// The gate has work to finish first (a token verified off the event loop, keys for an unknown kid): wait once,
    /// decide again with that work as settled. A second Retry is a refusal (the identity cannot be established).
    /// </summary>
    private async ValueTask<bool> DecideAgainAsync(ProxyRuntime runtime, Task pending)
    {
        try
        {
            await pending;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The pending work failing is the gate's to report; the second evaluation decides.
        }

        Decide(runtime, out var routeIndex, out var decision, pending);
        if (decision.Verdict == GateVerdict.Retry)
        {
            _exchange.Outcome = RequestOutcome.Denied;
            return await WriteErrorAsync(ProxyErrorKind.IdentityUnavailable, close: !CanSkipBody());
        }

        return await Act(runtime, routeIndex, decision);
    }

    /// <summary>Carries out a decided verdict: the refusal, the audit stance, or forwarding.</summary>
    private ValueTask<bool> Act(ProxyRuntime runtime, int routeIndex, GateDecision decision)
    {
        if (decision.Verdict == GateVerdict.Deny)
        {
            var close = !CanSkipBody();
            _exchange.Outcome = RequestOutcome.Denied;

            // The record keeps the gate's status even when the wire says 200 the gRPC way.
            _exchange.Status = decision.Status;
            if (_grpc)
            {
                Http1HeadWriter.WriteGrpcRefusal(_output, GrpcStatusMapping.FromHttpStatus(decision.Status), GrpcStatusMapping.MessageFor(decision.Status), close);
            }
            else
            {
                Http1HeadWriter.WriteDenial(_output, decision, close);
            }

            return FlushAsync(keepAlive: !close);
        }

        if (!Forwarder.AdmitUnderAuditStance(_exchange))
        {
            ProxyLog.AuditUnavailable(_logger, _connection.Id, runtime.RouteIds[routeIndex]);
            return WriteErrorAsync(ProxyErrorKind.AuditUnavailable, close: !CanSkipBody());
        }

        return ForwardAsync(runtime, routeIndex, decision);
    }

    /// <summary>Flushes what was written to the client; then <paramref name="keepAlive"/>.</summary>
    private async ValueTask<bool> FlushAsync(bool keepAlive)
    {
        // A flush that completes at once (the usual case) costs no state machine.
        await _output.FlushAsync();
        return keepAlive;
    }

    private RouteMatchKind Decide(ProxyRuntime runtime, out int routeIndex, out GateDecision decision, Task? settled = null)
    {
        var match = Forwarder.Route(_exchange, _request);
        routeIndex = _exchange.RouteIndex;
        _grpc = runtime.IsGrpcRoute(routeIndex) || GrpcRequests.HasGrpcContentType(_request);
        if (match != RouteMatchKind.Matched)
        {
            decision = default;
            return match;
        }

        // RFC 9110 §7.8: a server may ignore Upgrade. Only WebSocket is switched to, on routes that allow it; anything
        // else (h2c above all: an HTTP/2 connection to the upstream would carry requests the gate never sees) goes as a
        // plain request, with its Upgrade and Connection fields dropped like every hop-by-hop field.
        if (_request.IsUpgrade && !(UpgradeProtocols.IsAllowed(_request.UpgradeProtocol) && runtime.AllowsWebSocket(routeIndex)))
        {
            ProxyLog.UpgradeIgnored(_logger, _connection.Id, ClientName);
            _request.IgnoreUpgrade();
        }

        decision = Forwarder.Decide(_exchange, _request, _client, settled);
        return match;
    }

    /// <summary>Whether the connection can stay open after answering without reading the request body: only when there is none and the client keeps alive.</summary>
    private bool CanSkipBody() => _request.BodyKind == BodyKind.None && _request.KeepAlive && !_request.IsUpgrade;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WriteErrorAsync(ProxyErrorKind kind, bool close = true)
    {
        // A head that fails to parse is answered before any exchange begins (and is never known to be gRPC).
        // The record keeps the HTTP status even when the wire says 200 the gRPC way.
        var status = ProxyErrorMapping.ToStatus(kind);
        _exchange?.Status = status;
        try
        {
            if (_grpc && _exchange is not null)
            {
                Http1HeadWriter.WriteGrpcRefusal(_output, GrpcStatusMapping.FromKind(kind), GrpcStatusMapping.MessageFor(status), close);
            }
            else
            {
                _output.Write(ErrorResponses.Get(kind, close));
            }

            await _output.FlushAsync();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            // The client is gone; nothing more to tell it.
            return false;
        }

        return !close;
    }

    private void BeginRequest(ProxyRuntime runtime)
    {
        _exchange = ExchangePool.Rent();
        _exchange.Begin(runtime, _time, RequestIds.Create(_request));
    }

    private void EndRequest()
    {
        try
        {
            _exchange.Complete(_client, _request.VersionMinor == 0 ? "HTTP/1.0" : "HTTP/1.1", _request.MethodBytes, _request.Host, _request.Path);
        }
        finally
        {
            ExchangePool.Return(_exchange);
            _exchange = null!;
            _grpc = false;
        }
    }
}
