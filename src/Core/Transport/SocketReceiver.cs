using System.Net.Sockets;

namespace FastProxy.Core.Transport;

/// <summary>
/// The one receive operation a connection keeps armed: a zero-byte receive that completes when
/// data (or FIN, or an error) is ready, holding no buffer while it waits.
/// </summary>
internal sealed class SocketReceiver : SocketAsyncEventArgs
{
    private readonly SocketPipeReader _reader;

    public SocketReceiver(SocketPipeReader reader)
        : base(unsafeSuppressExecutionContextFlow: true)
    {
        _reader = reader;
        SetBuffer(Memory<byte>.Empty);
    }

    protected override void OnCompleted(SocketAsyncEventArgs e) => _reader.OnReceiveCompleted();
}
