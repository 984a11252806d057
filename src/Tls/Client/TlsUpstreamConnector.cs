using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Security;
using FastProxy.Core.Transport;
using FastProxy.Core.Upstream;
using FastProxy.Tls.Logging;
using FastProxy.Tls.Server;
using Microsoft.Extensions.Logging;

namespace FastProxy.Tls.Client;

/// <summary>
/// TLS to an upstream, as a decorator of another <see cref="IUpstreamConnector"/> (plain TCP): connects through it,
/// runs the client handshake on SslStream over the connection's own pipe with the cluster's options (SNI, CA
/// bundle or system trust, hostname verification, client certificate, ALPN, TLS 1.2/1.3), then puts the decrypted
/// pipe on top (<see cref="TransportConnection.UsePipe"/>). Pools and HTTP code see an ordinary connection.
/// <para>
/// A failed or stalled handshake is a failed connect (<see cref="UpstreamConnectException"/>, with
/// <see cref="UpstreamConnectException.IsTimeout"/> when it stalled), so retries, passive health and the 502/504
/// mapping treat it like a refused or unreachable upstream. Never a plaintext fallback. The connect timeout bounds
/// the TCP connect and the handshake together: that is the wait a request sees.
/// </para>
/// Built once per cluster at config load; a connect allocates its options and the SslStream (pooling makes
/// connects rare; per request nothing here runs).
/// </summary>
public sealed class TlsUpstreamConnector : IUpstreamConnector
{
    // Enough for a loopback or LAN handshake; only used when the TCP connect took (nearly) the whole connect timeout.
    private static readonly TimeSpan MinimumHandshakeBudget = TimeSpan.FromMilliseconds(100);

    private readonly IUpstreamConnector _inner;
    private readonly UpstreamTlsOptionsFactory _options;
    private readonly UpstreamTlsCounters _counters;
    private readonly MemoryPool<byte> _pool;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public TlsUpstreamConnector(IUpstreamConnector inner, UpstreamTlsOptionsFactory options, UpstreamTlsCounters counters, MemoryPool<byte> pool, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _inner = inner;
        _options = options;
        _counters = counters;
        _pool = pool;
        _time = time;
        _logger = logger;
    }

    public async ValueTask<TransportConnection> ConnectAsync(EndPoint endpoint, TimeSpan connectTimeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var started = _time.GetTimestamp();
        var connection = await _inner.ConnectAsync(endpoint, connectTimeout, ct);

        // The key exchange and signature checks are the expensive part: never on the event-loop thread that may have
        // completed the connect.
        await Task.Yield();

        var host = HostOf(endpoint);
        var serverName = _options.ServerNameFor(host);
        var check = new UpstreamCertificateCheck();
        var ssl = new SslStream(new DuplexPipeStream(connection.TransportInput, connection.TransportOutput), leaveInnerStreamOpen: true);

        // What the TCP connect left of the connect timeout; at least a moment, so a connect that used it all still
        // gets a handshake attempt rather than an instant timeout.
        var budget = connectTimeout - _time.GetElapsedTime(started);
        if (budget < MinimumHandshakeBudget)
        {
            budget = MinimumHandshakeBudget;
        }

        using var timeout = new CancellationTokenSource(budget, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            await ssl.AuthenticateAsClientAsync(_options.Create(host, check), linked.Token);
        }
#pragma warning disable CA1031 // whatever the upstream's bytes make SslStream throw is a failed connect of that connection
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await ssl.DisposeAsync();
            await DisposeQuietlyAsync(connection);
            if (ct.IsCancellationRequested)
            {
                throw new OperationCanceledException("The upstream TLS handshake was canceled.", ex, ct);
            }

            throw Fail(endpoint, serverName, check, ex, timedOut: timeout.IsCancellationRequested, connectTimeout);
        }

        if (_options.RequiredApplicationProtocol is { } required && ssl.NegotiatedApplicationProtocol != required)
        {
            // An HTTP/2 cluster must not speak HTTP/2 frames to a server that agreed to nothing or to HTTP/1.1.
            var selected = ssl.NegotiatedApplicationProtocol.Protocol.IsEmpty ? "none" : $"'{ssl.NegotiatedApplicationProtocol}'";
            await ssl.DisposeAsync();
            await DisposeQuietlyAsync(connection);
            Interlocked.Increment(ref _counters.HandshakeFailed);
            var reason = $"upstream did not select {required} with ALPN (selected: {selected})";
            TlsLog.UpstreamHandshakeFailed(_logger, endpoint, serverName, reason);
            throw new UpstreamConnectException(endpoint, isTimeout: false, $"TLS handshake with {endpoint} (server name {serverName}) failed: {reason}");
        }

        Interlocked.Increment(ref _counters.Completed);
        var security = new ConnectionSecurity
        {
            Protocol = ssl.SslProtocol.ToString(),
            ServerName = serverName,
            ApplicationProtocol = ssl.NegotiatedApplicationProtocol.Protocol,
        };
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            TlsLog.UpstreamHandshakeCompleted(_logger, connection.Id, endpoint, security.Protocol, serverName, ssl.NegotiatedApplicationProtocol.ToString());
        }

        var decrypted = new TlsDecryptedPipe(connection, ssl, security, _pool, _time);
        connection.UsePipe(new UpstreamTlsPipe(decrypted, ssl));
        decrypted.Start();
        return connection;
    }

    /// <summary>The host a certificate is checked against by default: the endpoint's name, or its IP literal.</summary>
    private static string HostOf(EndPoint endpoint) => endpoint switch
    {
        DnsEndPoint dns => dns.Host,
        IPEndPoint ip => ip.Address.ToString(),
        _ => endpoint.ToString() ?? "",
    };

    /// <summary>Counts and logs the failure (endpoint, server name, reason) and builds the connect failure the pool reports.</summary>
    private UpstreamConnectException Fail(EndPoint endpoint, string serverName, UpstreamCertificateCheck check, Exception ex, bool timedOut, TimeSpan connectTimeout)
    {
        if (timedOut)
        {
            Interlocked.Increment(ref _counters.HandshakeTimeout);
            TlsLog.UpstreamHandshakeTimedOut(_logger, endpoint, serverName, connectTimeout.TotalMilliseconds);
            return new UpstreamConnectException(endpoint, isTimeout: true,
                string.Create(CultureInfo.InvariantCulture, $"TLS handshake with {endpoint} (server name {serverName}) not completed within the connect timeout of {connectTimeout.TotalMilliseconds} ms."), ex);
        }

        string reason;
        if (check.FailureReason is { } refused)
        {
            // The certificate callback named the problem (and logged it as event 3001); SslStream only says it was refused.
            Interlocked.Increment(ref _counters.CertificateRejected);
            reason = "certificate refused: " + refused;
        }
        else
        {
            Interlocked.Increment(ref _counters.HandshakeFailed);
            reason = Describe(ex);
        }

        TlsLog.UpstreamHandshakeFailed(_logger, endpoint, serverName, reason);
        return new UpstreamConnectException(endpoint, isTimeout: false, $"TLS handshake with {endpoint} (server name {serverName}) failed: {reason}", ex);
    }

    /// <summary>The innermost message says what went wrong (SslStream wraps OpenSSL's reason: protocol version, alert, ...).</summary>
    private static string Describe(Exception ex)
    {
        var message = ex.Message;
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            message = $"{message} ({inner.Message})";
        }

        return message;
    }

    private static async ValueTask DisposeQuietlyAsync(TransportConnection connection)
    {
        try
        {
            connection.Abort();
            await connection.DisposeAsync();
        }
#pragma warning disable CA1031 // closing a connection that failed its handshake must never hide why it failed
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
