using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace FastProxy.Core.Transport.Epoll;

/// <summary>
/// send(2), recv(2) and O_NONBLOCK for sockets on the epoll engine, called directly. .NET's Socket
/// on Unix makes a socket non-blocking through its async context (SocketAsyncContext, ~150 bytes
/// plus lock objects per socket, ~10% of an idle connection), and its synchronous Send/Receive go
/// through that context unless .NET itself set the socket non-blocking. The epoll engine needs
/// neither: it sets O_NONBLOCK with fcntl(2) and calls send/recv, which the kernel answers with
/// EAGAIN when it would block. The SafeHandle is referenced for each call, so a socket disposed
/// concurrently (an abort) is never a descriptor number reused by another socket.
/// </summary>
internal static unsafe partial class SocketSyscalls
{
    private const int FGetFl = 3;
    private const int FSetFl = 4;
    private const int ONonBlock = 0x800;
    private const int MsgNoSignal = 0x4000;

    /// <summary>Sets O_NONBLOCK on the socket's descriptor (the socket object keeps believing it is blocking: use only this class's calls on it).</summary>
    public static void SetNonBlocking(Socket socket)
    {
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            var flags = fcntl(fd, FGetFl, 0);
            if (flags < 0 || fcntl(fd, FSetFl, flags | ONonBlock) < 0)
            {
                throw new SocketException((int)ToSocketError(Marshal.GetLastPInvokeError()));
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>One non-blocking send: the bytes the kernel took, or 0 with <paramref name="status"/> (WouldBlock when its buffer is full).</summary>
    public static int Send(Socket socket, ReadOnlySpan<byte> buffer, out SocketError status)
    {
        fixed (byte* data = buffer)
        {
            return Transfer(socket, data, buffer.Length, sending: true, out status);
        }
    }

    /// <summary>One non-blocking receive: bytes read (0 at FIN), or 0 with <paramref name="status"/> (WouldBlock when there is nothing to read).</summary>
    public static int Receive(Socket socket, Span<byte> buffer, out SocketError status)
    {
        fixed (byte* data = buffer)
        {
            return Transfer(socket, data, buffer.Length, sending: false, out status);
        }
    }

    /// <summary>send(2) or recv(2) on the socket's descriptor, held by a SafeHandle reference for the call, retried on EINTR.</summary>
    private static int Transfer(Socket socket, byte* data, int length, bool sending, out SocketError status)
    {
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            while (true)
            {
                // MSG_NOSIGNAL: a peer that is gone is an EPIPE here, never a SIGPIPE for the process.
                var done = sending ? send(fd, data, (nuint)length, MsgNoSignal) : recv(fd, data, (nuint)length, 0);
                if (done >= 0)
                {
                    status = SocketError.Success;
                    return (int)done;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.Intr)
                {
                    status = ToSocketError(errno);
                    return 0;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            status = SocketError.OperationAborted;
            return 0;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Linux errno values of send/recv, as the SocketError .NET reports for them.</summary>
    internal static SocketError ToSocketError(int errno) => errno switch
    {
        Errno.Again => SocketError.WouldBlock,
        Errno.ConnReset => SocketError.ConnectionReset,
        Errno.Pipe => SocketError.Shutdown,
        Errno.NotConn => SocketError.NotConnected,
        Errno.ConnAborted => SocketError.ConnectionAborted,
        Errno.TimedOut => SocketError.TimedOut,
        Errno.HostUnreach => SocketError.HostUnreachable,
        Errno.NetUnreach => SocketError.NetworkUnreachable,
        Errno.NetDown => SocketError.NetworkDown,
        Errno.ConnRefused => SocketError.ConnectionRefused,
        Errno.BadF => SocketError.OperationAborted,
        Errno.NoBufs or Errno.NoMem => SocketError.NoBufferSpaceAvailable,
        Errno.MsgSize => SocketError.MessageSize,
        _ => SocketError.SocketError,
    };

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int cmd, int arg);

    /// <summary>asm-generic/errno-base.h and errno.h (x86-64 Linux).</summary>
    private static class Errno
    {
        public const int Intr = 4;
        public const int BadF = 9;
        public const int Again = 11;
        public const int NoMem = 12;
        public const int Pipe = 32;
        public const int MsgSize = 90;
        public const int NetDown = 100;
        public const int NetUnreach = 101;
        public const int ConnAborted = 103;
        public const int ConnReset = 104;
        public const int NoBufs = 105;
        public const int NotConn = 107;
        public const int TimedOut = 110;
        public const int ConnRefused = 111;
        public const int HostUnreach = 113;
    }
}
