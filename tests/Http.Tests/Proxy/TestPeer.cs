using System.Net.Sockets;
using System.Text;
using FastProxy.Tests.Common;

namespace FastProxy.Http.Tests.Proxy;

/// <summary>One end of a loopback connection driven by a test: buffered reads of heads and bodies, sends, FIN or reset.</summary>
internal sealed class TestPeer(Socket socket) : IDisposable
{
    private readonly MemoryStream _pending = new();

    public Socket Socket => socket;

    public Task SendAsync(string ascii) => LoopbackHelpers.SendAsync(socket, ascii);

    /// <summary>Reads up to and including the blank line that ends a head.</summary>
    public async Task<string> ReadHeadAsync()
    {
        while (true)
        {
            var text = Encoding.ASCII.GetString(_pending.GetBuffer(), 0, (int)_pending.Length);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                Take(end + 4);
                return text[..(end + 4)];
            }

            if (!await FillAsync())
            {
                throw new EndOfStreamException($"EOF inside a head: '{text}'");
            }
        }
    }

    public async Task<string> ReadExactlyAsync(int count)
    {
        while (_pending.Length < count)
        {
            if (!await FillAsync())
            {
                throw new EndOfStreamException($"EOF after {_pending.Length} of {count} bytes");
            }
        }

        var text = Encoding.ASCII.GetString(_pending.GetBuffer(), 0, count);
        Take(count);
        return text;
    }

    /// <summary>A response with a Content-Length body (or none): its head and body.</summary>
    public async Task<(string Head, string Body)> ReadResponseAsync()
    {
        var head = await ReadHeadAsync();
        var length = ContentLength(head);
        return (head, length > 0 ? await ReadExactlyAsync(length) : "");
    }

    /// <summary>Everything until the other end closes; false for a reset.</summary>
    public async Task<(string Data, bool CleanFin)> ReadToEndAsync()
    {
        bool clean;
        try
        {
            while (await FillAsync())
            {
            }

            clean = true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            clean = false;
        }

        var text = Encoding.ASCII.GetString(_pending.GetBuffer(), 0, (int)_pending.Length);
        Take((int)_pending.Length);
        return (text, clean);
    }

    /// <summary>Closes with a reset (SO_LINGER 0), as a crashed peer or a middlebox would.</summary>
    public void Reset()
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    public void Dispose() => socket.Dispose();

    public static int ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return int.Parse(line.AsSpan(15).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private async Task<bool> FillAsync()
    {
        using var cts = new CancellationTokenSource(LoopbackHelpers.StepTimeout);
        var buffer = new byte[16 * 1024];
        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        _pending.Write(buffer.AsSpan(0, read));
        return read > 0;
    }

    private void Take(int count)
    {
        var rest = _pending.GetBuffer().AsSpan(count, (int)_pending.Length - count).ToArray();
        _pending.SetLength(0);
        _pending.Write(rest);
    }
}
