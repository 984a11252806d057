using System.Buffers;
using System.Net.Security;
using FastProxy.Core.Transport;
using FastProxy.Tls.Logging;
using Microsoft.Extensions.Logging;

namespace FastProxy.Tls.Server;

/// <summary>
/// Connection middleware of a TLS listener: checks that the client speaks TLS, runs the server handshake on SslStream
/// over the socket's own pipe (with the listener's current certificates and a handshake timeout), then puts the
/// decrypted pipe on top of the connection (<see cref="TransportConnection.UsePipe"/>) for the protocol handler.
/// A client that is not TLS, fails the handshake or stalls in it is closed with one log line and counted; nothing
/// escapes to the listener. Built once per listener: a connection costs no delegate of its own.
/// </summary>
public sealed class TlsConnectionMiddleware
{
    // RFC 8446 §5.1: every TLS record starts with its content type; a ClientHello travels in a handshake record (22).
    private const byte HandshakeRecordType = 0x16;

    private readonly ReloadableServerTls _tls;
    private readonly TimeSpan _handshakeTimeout;
    private readonly TlsHandshakeCounters _counters;
    private readonly MemoryPool<byte> _pool;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <param name="tls">The listener's certificates, swapped whole on reload.</param>
    /// <param name="handshakeTimeout">A client that has not finished its handshake by then is closed.</param>
    /// <param name="counters">Completed and refused handshakes, by reason.</param>
    /// <param name="pool">Buffers of the decrypted input.</param>
    /// <param name="logger">One line per refused connection.</param>
    /// <param name="time">Bounds the close of a connection (<see cref="TlsDecryptedPipe.DisposeAsync"/>); default: the system clock.</param>
    public TlsConnectionMiddleware(ReloadableServerTls tls, TimeSpan handshakeTimeout, TlsHandshakeCounters counters, MemoryPool<byte> pool, ILogger logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(tls);
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(handshakeTimeout, TimeSpan.Zero);
        _tls = tls;
        _handshakeTimeout = handshakeTimeout;
        _counters = counters;
        _pool = pool;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The pipeline step (for <see cref="ConnectionPipelineBuilder.Use"/>).</summary>
    public ConnectionHandler Wrap(ConnectionHandler next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return (connection, shuttingDown) => HandleAsync(connection, next, shuttingDown);
    }

    private async Task HandleAsync(TransportConnection connection, ConnectionHandler next, CancellationToken shuttingDown)
    {
        connection.SetTimeout(_handshakeTimeout, TimeoutReason.TlsHandshake);
        var first = await PeekFirstByteAsync(connection);
        if (first < 0)
        {
            if (connection.TimedOutReason == TimeoutReason.TlsHandshake)
            {
                Reject(connection, TlsRejection.HandshakeTimeout, null);
            }

            // Otherwise the client closed (or reset) before sending anything: a port probe, nothing to report.
            return;
        }

        if (first != HandshakeRecordType)
        {
            Reject(connection, IsHttpMethodStart((byte)first) ? TlsRejection.PlaintextHttp : TlsRejection.NotTls, (byte)first);
            return;
        }

        // The handshake's key exchange and signature are the expensive part: never on the event-loop thread that
        // may have completed the read above.
        await Task.Yield();

        var ssl = new SslStream(new DuplexPipeStream(connection.TransportInput, connection.TransportOutput), leaveInnerStreamOpen: true);
        try
        {
            if (!await HandshakeAsync(connection, ssl, shuttingDown))
            {
                return;
            }

            connection.ClearTimeout();
            Interlocked.Increment(ref _counters.Completed);
            var decrypted = new TlsDecryptedPipe(connection, ssl, TlsConnectionFacts.From(ssl), _pool, _time);
            connection.UsePipe(decrypted);
            decrypted.Start();
            try
            {
                await next(connection, shuttingDown);
            }
            finally
            {
                // Done already when the handler disposed the connection (which closes the TLS layer first).
                await decrypted.DisposeAsync();
            }
        }
        finally
        {
            await CloseAsync(ssl);
        }
    }

    /// <summary>
    /// Disposing sends close_notify; a client that already reset the connection cannot take it, and that is the
    /// ordinary end of many TLS connections, not a failure of this one.
    /// </summary>
    private static async ValueTask CloseAsync(SslStream ssl)
    {
        try
        {
            await ssl.DisposeAsync();
        }
        catch (IOException)
        {
        }
    }

    private async Task<bool> HandshakeAsync(TransportConnection connection, SslStream ssl, CancellationToken shuttingDown)
    {
        try
        {
            await ssl.AuthenticateAsServerAsync(ServerTlsOptionsFactory.SelectionCallback, _tls.Current, shuttingDown);
            return true;
        }
#pragma warning disable CA1031 // whatever a client's bytes make SslStream throw (NotSupportedException for an unparsable ClientHello too) is a failed handshake of that connection
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (connection.TimedOutReason == TimeoutReason.TlsHandshake)
            {
                Reject(connection, TlsRejection.HandshakeTimeout, null);
            }
            else if (!shuttingDown.IsCancellationRequested)
            {
                _counters.Count(TlsRejection.HandshakeFailed);
                TlsLog.HandshakeFailed(_logger, connection.Id, connection.RemoteEndPoint, Describe(ex));
            }

            return false;
        }
    }

    /// <summary>The first byte from the client without consuming it; -1 at the end of input, a reset or the deadline.</summary>
    private static async ValueTask<int> PeekFirstByteAsync(TransportConnection connection)
    {
        var input = connection.TransportInput;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    var first = buffer.First.Span.Length > 0 ? buffer.First.Span[0] : buffer.Slice(0, 1).FirstSpan[0];
                    input.AdvanceTo(buffer.Start);
                    return first;
                }

                if (result.IsCompleted || (result.IsCanceled && connection.TimedOutReason != TimeoutReason.None))
                {
                    input.AdvanceTo(buffer.End);
                    return -1;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private void Reject(TransportConnection connection, TlsRejection rejection, byte? firstByte)
    {
        _counters.Count(rejection);
        switch (rejection)
        {
            case TlsRejection.PlaintextHttp:
                TlsLog.PlaintextHttp(_logger, connection.Id, connection.RemoteEndPoint);
                break;
            case TlsRejection.NotTls:
                TlsLog.NotTls(_logger, connection.Id, connection.RemoteEndPoint, firstByte.GetValueOrDefault());
                break;
            default:
                TlsLog.HandshakeTimedOut(_logger, connection.Id, connection.RemoteEndPoint, _handshakeTimeout.TotalSeconds);
                break;
        }
    }

    /// <summary>The first letter of an HTTP/1.x method or of the HTTP/2 preface (PRI): upper-case ASCII.</summary>
    private static bool IsHttpMethodStart(byte b) => b is >= (byte)'A' and <= (byte)'Z';

    /// <summary>The innermost message says what went wrong (SslStream wraps OpenSSL's reason).</summary>
    private static string Describe(Exception ex)
    {
        var message = ex.Message;
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            message = $"{message} ({inner.Message})";
        }

        return message;
    }
}
