using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using FastProxy.Core.Errors;
using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Core.Splicing;
using FastProxy.Core.Transport;
using FastProxy.Core.Upstream;
using FastProxy.Http.Forwarding;
using FastProxy.Http.Http1;

namespace FastProxy.Http.Proxy;

internal sealed partial class Http1ProxyConnection
{
    private static ReadOnlySpan<byte> Continue100 => "HTTP/1.1 100 Continue\r\n\r\n"u8;

    /// <summary>
    /// Sends an allowed request upstream; true when the client connection stays open. Once the request is on its
    /// way it sets <see cref="_awaitingResponseHead"/> and returns: RunAsync reads the response head and calls
    /// <see cref="ContinueForwardAsync"/>. <paramref name="firstAttempt"/> is 1 for the one retry.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ForwardAsync(ProxyRuntime runtime, int routeIndex, GateDecision decision, int firstAttempt = 0)
    {
        _response ??= HeadPools.Responses.Get();
        var cluster = runtime.ClusterByRoute[routeIndex];
        var routeId = runtime.RouteIds[routeIndex];
        var hasBody = _request.HasBody;
        var maxBody = _options.MaxRequestBodyBytes;

        _exchange.Outcome = RequestOutcome.UpstreamFailed;
        if (Forwarder.ExceedsBodyLimit(_request, maxBody))
        {
            _exchange.Outcome = RequestOutcome.ClientFailed;
            ProxyLog.BodyTooLarge(_logger, _connection.Id, routeId, maxBody);
            return await WriteErrorAsync(ProxyErrorKind.RequestBodyTooLarge);
        }

        if (cluster.Protocol == UpstreamProtocol.Http2)
        {
            return await ForwardToHttp2Async(runtime, routeIndex, decision, cluster, routeId);
        }

        var retriable = Forwarder.IsRetriable(_request);
        var continueSent = false;
        for (var attempt = firstAttempt; ; attempt++)
        {
            var canRetry = retriable && attempt == 0;
            if (!cluster.TryPick(out var endpoint))
            {
                ProxyLog.NoHealthyEndpoint(_logger, _connection.Id, routeId, cluster.Name);
                return await WriteErrorAsync(ProxyErrorKind.NoHealthyEndpoint, close: !CanSkipBody());
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
                    ProxyLog.Retrying(_logger, _connection.Id, routeId);
                    continue;
                }

                var kind = ex.IsTimeout ? ProxyErrorKind.UpstreamConnectTimeout : ProxyErrorKind.UpstreamConnectFailed;
                ProxyLog.UpstreamConnectFailed(_logger, _connection.Id, routeId, endpoint.Address.ToString(), ex.Message, ProxyErrorMapping.ToStatus(kind));
                return await WriteErrorAsync(kind, close: !CanSkipBody());
            }
            catch (UpstreamOverloadedException ex)
            {
                // Busy for the whole wait, too many already waiting, or the cluster's circuit breaker (the pool logged which): 503.
                ProxyLog.PoolExhausted(_logger, _connection.Id, routeId, endpoint.Address.ToString(), ex.Message);
                return await WriteErrorAsync(ProxyErrorKind.PoolExhausted, close: !CanSkipBody());
            }

            // From here until its release the lease is in _forward, where RunAsync finds it if anything unexpected throws.
            _forward = new PendingForward(runtime, routeIndex, decision, lease, null, canRetry);
            var upstream = lease.Connection;
            _exchange.UpstreamName = endpoint.Name;
            Http1HeadWriter.WriteRequestHead(upstream.Output, _request, decision, _client.Address, _scheme.Span, runtime.StrippedHeaders, _exchange.Ids, runtime.ClientCertFor(routeIndex, _client));
            bool sent;
            try
            {
                sent = !(await upstream.Output.FlushAsync()).IsCompleted;
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
            {
                sent = false;
            }

            if (!sent)
            {
                ReleaseUpstream(lease, reusable: false);
                if (canRetry && lease.IsReused)
                {
                    ProxyLog.Retrying(_logger, _connection.Id, routeId);
                    continue;
                }

                endpoint.ReportFailure();
                ProxyLog.UpstreamClosed(_logger, _connection.Id, routeId, endpoint.Address.ToString(), ProxyErrorMapping.ToStatus(ProxyErrorKind.UpstreamClosed));
                return await WriteErrorAsync(ProxyErrorKind.UpstreamClosed, close: !CanSkipBody());
            }

            Task<BodyCopyResult>? bodyCopy = null;
            if (hasBody)
            {
                if (_request.ExpectContinue && !continueSent && _request.VersionMinor == 1)
                {
                    // The gate has allowed the request: tell the client to send its body (RFC 9110 §10.1.1).
                    continueSent = true;
                    _output.Write(Continue100);
                    await _output.FlushAsync();
                }

                bodyCopy = _bodies.CopyRequestBodyAsync(_request, upstream, _exchange);
            }

            // The response head is awaited by RunAsync, in the connection's long-lived frame: this method then
            // returns without ever waiting in the common case, so it costs no state-machine box per request.
            _forward = _forward with { BodyCopy = bodyCopy };
            BeginResponseHead(upstream);
            _awaitingResponseHead = true;
            return true;
        }
    }

    /// <summary>
    /// After RunAsync read the response head of the pending forward (<see cref="_forward"/>): relays the response,
    /// retries once when a reused pooled connection turned out to be closed, or answers the failure.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ContinueForwardAsync(ResponseHeadOutcome outcome)
    {
        var (runtime, routeIndex, decision, lease, bodyCopy, canRetry) = _forward;
        var endpoint = lease.Endpoint;
        var upstream = lease.Connection;
        var routeId = runtime.RouteIds[routeIndex];
        upstream.ClearTimeout();

        if (outcome != ResponseHeadOutcome.Complete && _clientGone)
        {
            // The watch aborted the upstream because the client reset: nobody to answer, and not the upstream's fault.
            await AbortUpstreamAsync(lease, bodyCopy);
            _exchange.Outcome = RequestOutcome.ClientFailed;
            ProxyLog.ClientGoneBeforeResponse(_logger, _connection.Id, routeId);
            return false;
        }

        if (outcome == ResponseHeadOutcome.ClosedEarly && canRetry && lease.IsReused)
        {
            ReleaseUpstream(lease, reusable: false);
            ProxyLog.Retrying(_logger, _connection.Id, routeId);
            return await ForwardAsync(runtime, routeIndex, decision, firstAttempt: 1);
        }

        if (outcome != ResponseHeadOutcome.Complete)
        {
            var bodyResult = await AbortUpstreamAsync(lease, bodyCopy);
            if (bodyResult is BodyCopyResult.TooLarge or BodyCopyResult.ClientFailed or BodyCopyResult.InvalidFraming)
            {
                _exchange.Outcome = RequestOutcome.ClientFailed;
            }

            if (bodyResult == BodyCopyResult.TooLarge)
            {
                ProxyLog.BodyTooLarge(_logger, _connection.Id, routeId, _options.MaxRequestBodyBytes);
                return await WriteErrorAsync(ProxyErrorKind.RequestBodyTooLarge);
            }

            if (bodyResult is BodyCopyResult.ClientFailed or BodyCopyResult.InvalidFraming)
            {
                // The client broke its own request; the upstream failing is a consequence.
                return await WriteErrorAsync(ProxyErrorKind.BadRequest);
            }

            endpoint.ReportFailure();
            var kind = Forwarder.KindOf(outcome);
            LogResponseFailure(outcome, routeId, endpoint, ProxyErrorMapping.ToStatus(kind));
            return await WriteErrorAsync(kind, close: !CanSkipBody() || bodyCopy is not null);
        }

        endpoint.ReportSuccess();
        return await RelayResponseAsync(routeId, endpoint, lease, bodyCopy);
    }

    private void LogResponseFailure(ResponseHeadOutcome outcome, string routeId, UpstreamEndpoint endpoint, int status)
    {
        var name = endpoint.Address.ToString();
        switch (outcome)
        {
            case ResponseHeadOutcome.TimedOut:
                ProxyLog.UpstreamTimeout(_logger, _connection.Id, routeId, name, _options.ResponseTimeout.TotalSeconds);
                break;
            case ResponseHeadOutcome.Invalid:
                ProxyLog.UpstreamBadResponse(_logger, _connection.Id, routeId, name, ProxyLog.Describe(_lastResponseError));
                break;
            default:
                ProxyLog.UpstreamClosed(_logger, _connection.Id, routeId, name, status);
                break;
        }
    }

    private Http1ParseError _lastResponseError;

    /// <summary>Starts reading a response head on <paramref name="upstream"/>: a retry reads a different connection, so any partial scan is forgotten.</summary>
    private void BeginResponseHead(TransportConnection upstream)
    {
        _response.Reset();
        upstream.SetTimeout(_options.ResponseTimeout, TimeoutReason.UpstreamResponse);
    }

    /// <summary>One read of the response head: parsed, refused, cut short, or <see cref="ResponseHeadOutcome.NeedMore"/>.</summary>
    private ResponseHeadOutcome OnResponseHeadRead(System.IO.Pipelines.PipeReader input, ReadResult result, ref bool sawBytes)
    {
        var buffer = result.Buffer;
        if (result.IsCanceled)
        {
            input.AdvanceTo(buffer.Start, buffer.End);
            return ResponseHeadOutcome.TimedOut;
        }

        sawBytes |= !buffer.IsEmpty;
        var status = Http1Parser.TryParseResponse(buffer, _response, _request.Method, _options.Limits, out var consumed, out var error);
        if (status == Http1ParseStatus.Complete)
        {
            input.AdvanceTo(consumed);

            // RFC 9110 §15.2: interim responses other than 101 are dropped (the proxy answered 100-continue itself).
            if (_response.StatusCode is >= 100 and < 200 && _response.StatusCode != 101)
            {
                _response.Reset();
                return ResponseHeadOutcome.NeedMore;
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
        return ResponseHeadOutcome.NeedMore;
    }

    /// <summary>Sends the response head and body to the client; true when the client connection stays open.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> RelayResponseAsync(string routeId, UpstreamEndpoint endpoint, UpstreamLease lease, Task<BodyCopyResult>? bodyCopy)
    {
        var upstream = lease.Connection;
        if (_response.StatusCode == 101)
        {
            if (!_request.IsUpgrade || bodyCopy is not null)
            {
                // A 101 nobody asked for is a protocol violation by the upstream (RFC 9110 §15.2.2).
                await AbortUpstreamAsync(lease, bodyCopy);
                ProxyLog.UpstreamBadResponse(_logger, _connection.Id, routeId, endpoint.Address.ToString(), "unsolicited 101 Switching Protocols");
                return await WriteErrorAsync(ProxyErrorKind.UpstreamBadResponse);
            }

            if (!SwitchesToAllowedProtocol(_response))
            {
                // RFC 9110 §15.2.2: the server switches to a protocol the client listed; anything else (h2c above all)
                // would be a tunnel the gate cannot see into.
                await AbortUpstreamAsync(lease, bodyCopy);
                ProxyLog.UpstreamBadResponse(_logger, _connection.Id, routeId, endpoint.Address.ToString(), "101 Switching Protocols to a protocol other than websocket");
                return await WriteErrorAsync(ProxyErrorKind.UpstreamBadResponse);
            }

            _exchange.Status = 101;
            _exchange.Outcome = RequestOutcome.Forwarded;
            Http1HeadWriter.WriteResponseHead(_output, _response, clientIsHttp10: false, closeAfter: false, isUpgrade: true);
            await _output.FlushAsync();
            var (result, error) = await PipeSplicer.SpliceAsync(_connection, upstream, CancellationToken.None);
            ProxyLog.SpliceEnded(_logger, _connection.Id, routeId, result, error);
            ReleaseUpstream(lease, reusable: false);
            return false;
        }

        // A request body still being copied, or one whose copy failed, leaves the client connection unusable after this response.
        var bodyCopyFailed = bodyCopy is { IsCompleted: true } && await bodyCopy != BodyCopyResult.Complete;
        var closeAfter = !_request.KeepAlive || _response.BodyKind == ResponseBodyKind.CloseDelimited || _shuttingDown.IsCancellationRequested
            || (bodyCopy is not null && !bodyCopy.IsCompleted) || bodyCopyFailed;
        _exchange.Status = _response.StatusCode;
        Http1HeadWriter.WriteResponseHead(_output, _response, _request.VersionMinor == 0, closeAfter, isUpgrade: false);

        var copy = await _bodies.CopyResponseBodyAsync(_response, upstream, _exchange);

        var requestBodyDone = bodyCopy is null || (bodyCopy.IsCompleted && await bodyCopy == BodyCopyResult.Complete);
        if (bodyCopy is not null && !bodyCopy.IsCompleted)
        {
            // The upstream answered before reading the whole body (e.g. its own 413): stop sending it.
            upstream.Abort();
            await _bodies.StopRequestBodyAsync(bodyCopy);
        }

        if (copy == BodyCopyResult.UpstreamFailed && bodyCopy is not null && BodyCopier.IsClientFault(await bodyCopy))
        {
            // The client broke its request body mid-response, and CopyRequestBodyAsync aborted the upstream for it.
            copy = BodyCopyResult.ClientFailed;
        }

        if (copy == BodyCopyResult.UpstreamFailed && _clientGone)
        {
            // The client reset mid-response and the watch aborted the upstream for it.
            copy = BodyCopyResult.ClientFailed;
        }

        var reusable = copy == BodyCopyResult.Complete && requestBodyDone && _response.KeepAlive && _request.VersionMinor == 1 && !_request.IsUpgrade;
        ReleaseUpstream(lease, reusable);

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

        return !closeAfter && requestBodyDone;
    }

    private static bool SwitchesToAllowedProtocol(Http1ResponseHead response)
        => response.Count("upgrade"u8) == 1 && response.TryGetFirst("upgrade"u8, out var protocol) && UpgradeProtocols.IsAllowed(protocol);

    /// <summary>
    /// Closes a leased upstream connection that must not carry another request: aborts it, and releases it only once a
    /// request-body copy still writing to it has stopped (until then the copy uses its output). Returns how the copy ended.
    /// </summary>
    private async ValueTask<BodyCopyResult> AbortUpstreamAsync(UpstreamLease lease, Task<BodyCopyResult>? bodyCopy)
    {
        lease.Connection.Abort();
        try
        {
            return bodyCopy is null ? BodyCopyResult.Complete : await _bodies.StopRequestBodyAsync(bodyCopy);
        }
        finally
        {
            ReleaseUpstream(lease, reusable: false);
        }
    }

    /// <summary>Gives the lease back to its pool; from here it is no longer the pending forward's (see <see cref="AbandonPendingForwardAsync"/>).</summary>
    private void ReleaseUpstream(UpstreamLease lease, bool reusable)
    {
        // A pooled connection is no longer this request's: the client watch must not abort it.
        Volatile.Write(ref _upstreamInUse, null);
        _forward = default;
        lease.Endpoint.Release(lease, reusable);
    }

    /// <summary>A request on an upstream connection from the moment the connection is leased until it is released.</summary>
    private readonly record struct PendingForward(ProxyRuntime Runtime, int RouteIndex, GateDecision Decision, UpstreamLease Lease, Task<BodyCopyResult>? BodyCopy, bool CanRetry);
}
