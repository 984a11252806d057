using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace FastProxy.Core.Transport;

/// <summary>
/// A send operation that connections borrow only for the duration of one send. Sockets cache a
/// send SocketAsyncEventArgs each (~400 B) for their whole life; sharing a small pool of these
/// instead keeps that cost off idle connections. Awaitable without allocation (IValueTaskSource).
/// </summary>
internal sealed class SocketSender : SocketAsyncEventArgs, IValueTaskSource<int>
{
    /// <summary>Senders kept for reuse: bounded by concurrent sends, not by connections.</summary>
    private const int MaxPooled = 1024;

    private static readonly ConcurrentQueue<SocketSender> Pool = new();
    private static int s_pooled;

    private readonly List<ArraySegment<byte>> _segments = [];
    private ManualResetValueTaskSourceCore<int> _core;

    private SocketSender()
        : base(unsafeSuppressExecutionContextFlow: true)
    {
    }

    public static SocketSender Rent()
    {
        if (Pool.TryDequeue(out var sender))
        {
            Interlocked.Decrement(ref s_pooled);
            return sender;
        }

        return new SocketSender();
    }

    public static void Return(SocketSender sender)
    {
        sender.ClearBuffers();
        if (Interlocked.Increment(ref s_pooled) <= MaxPooled)
        {
            Pool.Enqueue(sender);
        }
        else
        {
            Interlocked.Decrement(ref s_pooled);
            sender.Dispose();
        }
    }

    /// <summary>Sends one contiguous buffer (may send fewer bytes; the caller loops).</summary>
    public ValueTask<int> SendAsync(Socket socket, ReadOnlyMemory<byte> buffer)
    {
        if (BufferList is not null)
        {
            BufferList = null;
        }

        SetBuffer(MemoryMarshal.AsMemory(buffer));
        return Start(socket);
    }

    /// <summary>Sends several array-backed buffers in one system call (sendmsg with an iovec each).</summary>
    public ValueTask<int> SendAsync(Socket socket, IReadOnlyList<ArraySegment<byte>> buffers)
    {
        SetBuffer(null, 0, 0);
        _segments.Clear();
        for (var i = 0; i < buffers.Count; i++)
        {
            _segments.Add(buffers[i]);
        }

        BufferList = _segments;
        return Start(socket);
    }

    int IValueTaskSource<int>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    protected override void OnCompleted(SocketAsyncEventArgs e)
    {
        if (SocketError == SocketError.Success)
        {
            _core.SetResult(BytesTransferred);
        }
        else
        {
            _core.SetException(new SocketException((int)SocketError));
        }
    }

    private ValueTask<int> Start(Socket socket)
    {
        _core.Reset();
        if (socket.SendAsync(this))
        {
            return new ValueTask<int>(this, _core.Version);
        }

        // Completed synchronously (the usual case when the kernel buffer has room).
        return SocketError == SocketError.Success
            ? new ValueTask<int>(BytesTransferred)
            : ValueTask.FromException<int>(new SocketException((int)SocketError));
    }

    private void ClearBuffers()
    {
        if (BufferList is not null)
        {
            BufferList = null;
            _segments.Clear();
        }
        else
        {
            SetBuffer(null, 0, 0);
        }
    }
}
