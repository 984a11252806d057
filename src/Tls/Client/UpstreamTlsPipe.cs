using System.IO.Pipelines;
using System.Net.Security;
using FastProxy.Core.Transport;
using FastProxy.Tls.Server;

namespace FastProxy.Tls.Client;

/// <summary>
/// The decrypted side of a TLS connection to an upstream, on top of the socket's pipe. Unlike a listener's, no
/// middleware frame outlives the connection here (it goes back and forth between the pool and requests), so the
/// connection owns this layer: disposing the connection disposes it (<see cref="IAsyncDisposable"/>), which sends
/// close_notify, stops both pumps and releases the SslStream, once.
/// </summary>
internal sealed class UpstreamTlsPipe : ISecureDuplexPipe, IAsyncDisposable
{
    // As long as the socket's own close waits for unsent bytes (SocketConnectionOptions.CloseTimeout's default): an
    // upstream that stopped reading must not keep a discarded connection, its buffers and SslStream alive for good.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly TransportConnection _connection;
    private readonly TlsDecryptedPipe _pipe;
    private readonly SslStream _ssl;
    private readonly TimeProvider _time;
    private int _disposed;

    public UpstreamTlsPipe(TransportConnection connection, TlsDecryptedPipe pipe, SslStream ssl, TimeProvider time)
    {
        _connection = connection;
        _pipe = pipe;
        _ssl = ssl;
        _time = time;
    }

    public PipeReader Input => _pipe.Input;

    public PipeWriter Output => _pipe.Output;

    public ConnectionSecurity Security => _pipe.Security;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var stopping = _pipe.StopAsync();
        try
        {
            await stopping.WaitAsync(StopTimeout, _time);
        }
        catch (TimeoutException)
        {
            // The last bytes (or close_notify) cannot be sent: reset the connection, which ends both pumps.
            _connection.Abort();
            await stopping;
        }
        finally
        {
            await _ssl.DisposeAsync();
        }
    }
}
