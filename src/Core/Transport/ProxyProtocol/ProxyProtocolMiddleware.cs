using System.IO.Pipelines;
using System.Net;
using FastProxy.Core.Logging;
using Microsoft.Extensions.Logging;

namespace FastProxy.Core.Transport.ProxyProtocol;

/// <summary>
/// Connection middleware of a listener behind a load balancer that speaks the PROXY protocol: the real client address
/// travels in a header before the client's bytes, and from then on the gate, the audit trail, the access log and
/// X-Forwarded-For see that address (<see cref="TransportConnection.UseProxiedSource"/>). Only peers in the trusted list
/// may send it: a connection from anyone else is closed before a byte is read, because believing a header from an
/// untrusted peer would let any client choose the address the policy judges. The header is required (never guessed),
/// bounded in size and in time, and the bytes after it go on to the next step (TLS or HTTP) untouched. Runs first,
/// before TLS: the balancer sends the header in clear before the client's TLS bytes.
/// </summary>
public sealed class ProxyProtocolMiddleware
{
    private readonly IReadOnlyList<IPNetwork> _trusted;
    private readonly TimeSpan _timeout;
    private readonly ProxyProtocolCounters _counters;
    private readonly ILogger _logger;

    public ProxyProtocolMiddleware(IReadOnlyList<IPNetwork> trusted, TimeSpan timeout, ProxyProtocolCounters counters, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        if (trusted.Count == 0)
        {
            throw new ArgumentException("The PROXY protocol needs at least one trusted network.", nameof(trusted));
        }

        _trusted = trusted;
        _timeout = timeout;
        _counters = counters;
        _logger = logger;
    }

    /// <summary>The pipeline step (for <see cref="ConnectionPipelineBuilder.Use"/>).</summary>
    public ConnectionHandler Wrap(ConnectionHandler next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return (connection, shuttingDown) => HandleAsync(connection, next, shuttingDown);
    }

    /// <summary>Whether <paramref name="peer"/> may send a PROXY header.</summary>
    public bool IsTrusted(IPAddress peer)
    {
        foreach (var network in _trusted)
        {
            if (network.Contains(peer))
            {
                return true;
            }
        }

        return false;
    }

    private async Task HandleAsync(TransportConnection connection, ConnectionHandler next, CancellationToken shuttingDown)
    {
        var peer = connection.TransportRemoteAddress;
        if (peer is null || !IsTrusted(peer))
        {
            Interlocked.Increment(ref _counters.Untrusted);
            TransportLog.ProxyProtocolUntrusted(_logger, connection.Id, peer);
            connection.Abort();
            return;
        }

        connection.SetTimeout(_timeout, TimeoutReason.ProxyProtocolHeader);
        var input = connection.Input;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync(CancellationToken.None);
            }
            catch (Exception ex) when (ex is IOException or ConnectionAbortedException)
            {
                // The balancer closed or reset before the header was whole: nothing to serve, nothing to report.
                return;
            }

            var buffer = read.Buffer;
            if (read.IsCanceled)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                Interlocked.Increment(ref _counters.TimedOut);
                TransportLog.ProxyProtocolTimedOut(_logger, connection.Id, peer, _timeout.TotalSeconds);
                connection.Abort();
                return;
            }

            var result = ProxyProtocolParser.TryParse(buffer, out var header, out var consumed, out var error);
            if (result == ProxyProtocolParseResult.Complete)
            {
                input.AdvanceTo(consumed);
                connection.ClearTimeout();
                if (header.IsLocal)
                {
                    Interlocked.Increment(ref _counters.Local);
                }
                else
                {
                    Interlocked.Increment(ref _counters.Accepted);
                    connection.UseProxiedSource(header.Source!);
                }

                break;
            }

            if (result == ProxyProtocolParseResult.Invalid || read.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                Interlocked.Increment(ref _counters.Invalid);
                TransportLog.ProxyProtocolInvalid(_logger, connection.Id, peer, error ?? "the connection closed inside the header");
                connection.Abort();
                return;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }

        await next(connection, shuttingDown);
    }
}
