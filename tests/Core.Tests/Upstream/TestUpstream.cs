using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using FastProxy.Tests.Common;

namespace FastProxy.Core.Tests.Upstream;

/// <summary>A raw loopback server that accepts and keeps every connection so tests can poke the server side.</summary>
internal sealed class TestUpstream : IDisposable
{
    private readonly Socket _listen;
    private readonly ConcurrentQueue<Socket> _accepted = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    public TestUpstream()
    {
        _listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listen.Bind(LoopbackHelpers.AnyPortV4);
        _listen.Listen(64);
        EndPoint = (IPEndPoint)_listen.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    public int AcceptedCount => _accepted.Count;

    public IReadOnlyList<Socket> Accepted => [.. _accepted];

    public void Dispose()
    {
        _stop.Cancel();
        _listen.Dispose();
        foreach (var socket in _accepted)
        {
            socket.Dispose();
        }

        _stop.Dispose();
        _ = _acceptLoop;
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                _accepted.Enqueue(await _listen.AcceptAsync(_stop.Token));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // stopped
        }
    }
}
