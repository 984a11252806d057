using System.Net.Sockets;
using FastProxy.Core.Transport;
using FastProxy.Tests.Common;

namespace FastProxy.Core.Tests.Transport;

/// <summary>Makes a connection's next flush wait for the kernel (.NET's socket engine), and reads what it sends.</summary>
internal static class KernelBuffers
{
    public const byte Filler = 0xEE;

    /// <summary>Fills the kernel's send and receive buffers behind the writer's back; returns how many bytes that took.</summary>
    public static int Fill(SocketConnection connection)
    {
        var socket = connection.Socket;
        socket.SendBufferSize = 4096;
        var filler = new byte[1024];
        filler.AsSpan().Fill(Filler);
        var filled = 0;
        for (var added = -1; added != 0;)
        {
            added = 0;
            while (true)
            {
                var sent = socket.Send(filler, SocketFlags.None, out var status);
                if (status == SocketError.WouldBlock)
                {
                    break;
                }

                Assert.Equal(SocketError.Success, status);
                added += sent;
            }

            filled += added;
            Thread.Sleep(50);
        }

        return filled;
    }

    public static byte[] Payload(int length)
    {
        var payload = new byte[length];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)(i % 251);
        }

        return payload;
    }

    public static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count)
    {
        using var cts = new CancellationTokenSource(LoopbackHelpers.StepTimeout);
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cts.Token);
            if (n == 0)
            {
                throw new EndOfStreamException($"EOF after {read} of {count} bytes");
            }

            read += n;
        }

        return buffer;
    }
}
