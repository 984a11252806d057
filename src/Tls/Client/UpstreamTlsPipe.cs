using System.IO.Pipelines;
using System.Net.Security;
using FastProxy.Core.Transport;
using FastProxy.Tls.Server;

namespace FastProxy.Tls.Client;

/// <summary>
/// The decrypted side of a TLS connection to an upstream, on top of the socket's pipe. Unlike a listener's, no
/// middleware frame outlives the connection here (it goes back and forth between the pool and requests), so the
/// connection owns this layer: disposing the connection disposes it (<see cref="IAsyncDisposable"/>), which sends
/// close_notify, stops the read pump and releases the SslStream, once.
/// </summary>
internal sealed class UpstreamTlsPipe : ISecureDuplexPipe, IAsyncDisposable
{
    private readonly TlsDecryptedPipe _pipe;
    private readonly SslStream _ssl;
    private int _disposed;

    public UpstreamTlsPipe(TlsDecryptedPipe pipe, SslStream ssl)
    {
        _pipe = pipe;
        _ssl = ssl;
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

        try
        {
            // close_notify and the pump's end, bounded: an upstream that stopped reading is reset.
            await _pipe.DisposeAsync();
        }
        finally
        {
            await _ssl.DisposeAsync();
        }
    }
}
