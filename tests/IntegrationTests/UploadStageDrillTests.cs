using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

/// <summary>
/// A client disconnects (a reset, as a crash would) at every stage of an upload, over HTTP/1.1 with Content-Length,
/// HTTP/1.1 chunked and HTTP/2 (h2c): mid-headers, after the head before any body byte, mid-body, after the whole body
/// before the response, and mid-response. Each stage 50 times: the upstream connection that holds the request is
/// closed at once (not after the 30 s response timeout), the proxy's file descriptors do not grow, it keeps serving,
/// and the abort is counted (fastproxy_request_outcomes_total{outcome="client_failed"}). ClientAbortDrillTests covers
/// HTTP/1.1 Content-Length mid-body with 200 uploads.
/// </summary>
public sealed class UploadStageDrillTests
{
    private const int Repetitions = 50;

    /// <summary>How long the upstream may hold a connection after its client is gone: far below the 30 s response timeout.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    public enum Framing
    {
        ContentLength,
        Chunked,
        Http2,
    }

    public enum Stage
    {
        MidHeaders,
        AfterHeaders,
        MidBody,
        AfterBody,
        MidResponse,
    }

    public static TheoryData<Framing, Stage> Cases()
    {
        var cases = new TheoryData<Framing, Stage>();
        foreach (var framing in Enum.GetValues<Framing>())
        {
            foreach (var stage in Enum.GetValues<Stage>())
            {
                if (framing != Framing.ContentLength || stage != Stage.MidBody)
                {
                    cases.Add(framing, stage);
                }
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ClientGoneAtStage_UpstreamFreedAtOnce_NoDescriptorGrowth_KeepsServing_AbortCounted(Framing framing, Stage stage)
    {
        await using var upstream = DrillUpstream.Start();
        var config = TestConfigs.PublicProxy(upstream.Endpoint, responseSeconds: 30)
            .Replace("\"listeners\": [ { \"address\": \"127.0.0.1:0\" } ],", "\"listeners\": [ { \"address\": \"127.0.0.1:0\" }, { \"address\": \"127.0.0.1:0\", \"protocol\": \"h2c\" } ], \"admin\": { \"address\": \"127.0.0.1:0\" },", StringComparison.Ordinal);
        await using var proxy = await ProxyProcess.StartAsync(config);
        var ports = await proxy.ListeningPortsAsync(2);
        var port = framing == Framing.Http2 ? ports[1] : ports[0];
        using var admin = new AdminMetrics(proxy);

        // The first abort also creates what the process makes once (pools, buffers): the baseline is after it.
        var slowest = await AbortOnceAsync(upstream, port, framing, stage, proxy);
        await Task.Delay(500);
        var baseline = Descriptors(proxy.Pid);
        for (var i = 1; i < Repetitions; i++)
        {
            var latency = await AbortOnceAsync(upstream, port, framing, stage, proxy);
            slowest = latency > slowest ? latency : slowest;
        }

        // A request that never reached the upstream opened no connection to it; every other one was closed promptly.
        if (stage == Stage.MidHeaders)
        {
            Assert.Equal(0, upstream.Opened);
        }
        else
        {
            Assert.Equal(Repetitions, upstream.Opened);
        }

        Assert.True(await WaitUntilAsync(() => upstream.Open == 0, Prompt), $"{upstream.Open} upstream connections still open\n{proxy.Output}");
        Assert.True(await WaitUntilAsync(() => Descriptors(proxy.Pid) <= baseline + 4, Prompt), $"descriptors grew from {baseline} to {Descriptors(proxy.Pid)}\n{proxy.Output}");

        // Still serving: a whole upload over the same protocol goes through.
        Assert.Equal(200, await CompleteUploadAsync(port, framing));

        if (stage != Stage.MidHeaders)
        {
            var (counted, metrics) = await admin.WaitForSampleAsync("fastproxy_request_outcomes_total", v => v >= Repetitions, Prompt, ("outcome", "client_failed"));
            Assert.True(counted, $"the client aborts were not counted:\n{metrics}\n{proxy.Output}");
        }

        Assert.DoesNotContain("Unhandled", proxy.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected failure", proxy.Output, StringComparison.Ordinal);
    }

    /// <summary>One upload cut at <paramref name="stage"/>; returns how long the upstream kept the request's connection after the cut.</summary>
    private static async Task<TimeSpan> AbortOnceAsync(DrillUpstream upstream, int port, Framing framing, Stage stage, ProxyProcess proxy)
    {
        var opened = upstream.Opened;
        var completed = upstream.CompletedBodies;
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, port);
        var upload = new Upload(client, framing, stage == Stage.MidResponse ? "/respond" : "/upload");
        await upload.StartAsync();
        switch (stage)
        {
            case Stage.MidHeaders:
                await upload.SendPartialHeadAsync();
                break;
            case Stage.AfterHeaders:
                await upload.SendHeadAsync(wholeBody: false);
                await ExpectAsync(() => upstream.Opened > opened, "the head to reach the upstream", proxy);
                break;
            case Stage.MidBody:
                await upload.SendHeadAsync(wholeBody: false);
                await upload.SendBodyPartAsync();
                await ExpectAsync(() => upstream.Opened > opened, "the head to reach the upstream", proxy);
                break;
            case Stage.AfterBody:
                await upload.SendHeadAsync(wholeBody: true);
                await upload.SendWholeBodyAsync();
                await ExpectAsync(() => upstream.CompletedBodies > completed, "the whole body to reach the upstream", proxy);
                break;
            case Stage.MidResponse:
                await upload.SendHeadAsync(wholeBody: true);
                await upload.SendWholeBodyAsync();
                await upload.ReceiveResponseHeadAsync();
                break;
        }

        client.LingerState = new LingerOption(true, 0);
        client.Close();
        var clock = Stopwatch.StartNew();
        if (stage != Stage.MidHeaders)
        {
            await ExpectAsync(() => upstream.Closed > opened, "the upstream connection to be closed after the client left", proxy);
        }

        return clock.Elapsed;
    }

    private static async Task<int> CompleteUploadAsync(int port, Framing framing)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, port);
        var upload = new Upload(client, framing, "/ok");
        await upload.StartAsync();
        await upload.SendHeadAsync(wholeBody: true);
        await upload.SendWholeBodyAsync();
        return await upload.ReceiveStatusAsync();
    }

    private static async Task ExpectAsync(Func<bool> condition, string what, ProxyProcess proxy)
    {
        Assert.True(await WaitUntilAsync(condition, Prompt), $"waited {Prompt.TotalSeconds} s for {what}\n{proxy.Output}");
    }

    private static int Descriptors(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    private static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    /// <summary>
    /// An upstream that reads everything it is sent and counts its connections. A request for /respond gets a response
    /// head and the first KiB of a 1 MB body, then nothing more; /ok gets a whole 200 once its body (ending "#END") is in;
    /// anything else is never answered. It counts the request bodies that arrived whole (their "#END").
    /// </summary>
    private sealed class DrillUpstream : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly Task _accepting;
        private int _opened;
        private int _closed;
        private int _completed;

        private DrillUpstream(TcpListener listener)
        {
            _listener = listener;
            _accepting = AcceptAsync();
        }

        public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

        public int Opened => Volatile.Read(ref _opened);

        public int Closed => Volatile.Read(ref _closed);

        public int Open => Opened - Closed;

        public int CompletedBodies => Volatile.Read(ref _completed);

        public static DrillUpstream Start()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start(256);
            return new DrillUpstream(listener);
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _accepting.WaitAsync(TimeSpan.FromSeconds(10));
        }

        private async Task AcceptAsync()
        {
            var connections = new List<Task>();
            while (true)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync();
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
                {
                    break;
                }

                Interlocked.Increment(ref _opened);
                connections.Add(ServeAsync(socket));
            }

            // The proxy closes what it still holds when it exits; the test disposes it first.
            await Task.WhenAny(Task.WhenAll(connections), Task.Delay(TimeSpan.FromSeconds(5)));
        }

        private async Task ServeAsync(Socket socket)
        {
            using (socket)
            {
                var buffer = new byte[16 * 1024];
                var seen = new StringBuilder();
                var answered = false;
                var counted = false;
                try
                {
                    int read;
                    while ((read = await socket.ReceiveAsync(buffer)) > 0)
                    {
                        if (seen.Length < 64 * 1024)
                        {
                            seen.Append(Encoding.ASCII.GetString(buffer, 0, read));
                        }

                        var text = seen.ToString();
                        var complete = text.Contains("#END", StringComparison.Ordinal);
                        if (complete && !counted)
                        {
                            counted = true;
                            Interlocked.Increment(ref _completed);
                        }

                        if (!answered && text.StartsWith("POST /respond ", StringComparison.Ordinal) && text.Contains("\r\n\r\n", StringComparison.Ordinal))
                        {
                            answered = true;
                            await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n"));
                            await socket.SendAsync(new byte[1024]);
                        }
                        else if (!answered && complete && text.StartsWith("POST /ok ", StringComparison.Ordinal))
                        {
                            answered = true;
                            await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
                        }
                    }
                }
                catch (SocketException)
                {
                    // A reset from the proxy is one way of closing.
                }
            }

            Interlocked.Increment(ref _closed);
        }
    }

    /// <summary>
    /// One upload over a raw socket, in HTTP/1.1 (Content-Length or chunked) or HTTP/2 with prior knowledge, written
    /// frame by frame so it can stop anywhere. The whole body is 1000 bytes and "#END"; an unfinished one announces more.
    /// </summary>
    private sealed class Upload(Socket socket, Framing framing, string path)
    {
        private const int WholeBodyLength = 1004;

        private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

        private bool _whole;

        public async Task StartAsync()
        {
            if (framing == Framing.Http2)
            {
                // The connection preface and an empty SETTINGS frame (RFC 9113 §3.4).
                await socket.SendAsync(Preface.ToArray().Concat(Frame(0x4, 0, 0, [])).ToArray());
            }
        }

        public async Task SendPartialHeadAsync()
        {
            if (framing == Framing.Http2)
            {
                // A HEADERS frame without END_HEADERS: the header block is never finished (no CONTINUATION follows).
                await socket.SendAsync(Frame(0x1, 0x0, 1, HeaderBlock()));
                return;
            }

            var head = Http1Head();
            await socket.SendAsync(head.AsMemory(0, head.Length / 2));
        }

        /// <summary>The request head; <paramref name="wholeBody"/>: it announces the whole body (Content-Length 1004), else more than will come.</summary>
        public async Task SendHeadAsync(bool wholeBody)
        {
            _whole = wholeBody;
            if (framing == Framing.Http2)
            {
                // END_HEADERS without END_STREAM: a body follows.
                await socket.SendAsync(Frame(0x1, 0x4, 1, HeaderBlock()));
                return;
            }

            await socket.SendAsync(Http1Head());
        }

        public async Task SendBodyPartAsync()
        {
            var part = new byte[1024];
            Array.Fill(part, (byte)'a');
            await socket.SendAsync(framing switch
            {
                Framing.Http2 => Frame(0x0, 0, 1, part),
                Framing.Chunked => Encoding.ASCII.GetBytes("400\r\n").Concat(part).Concat("\r\n"u8.ToArray()).ToArray(),
                _ => part,
            });
        }

        public async Task SendWholeBodyAsync()
        {
            var body = Encoding.ASCII.GetBytes(new string('a', WholeBodyLength - 4) + "#END");
            await socket.SendAsync(framing switch
            {
                Framing.Http2 => Frame(0x0, 0x1, 1, body),
                Framing.Chunked => Encoding.ASCII.GetBytes($"{WholeBodyLength:x}\r\n").Concat(body).Concat("\r\n0\r\n\r\n"u8.ToArray()).ToArray(),
                _ => body,
            });
        }

        /// <summary>Reads until the response head is in (HTTP/1.1: its blank line; HTTP/2: a HEADERS frame on stream 1).</summary>
        public async Task ReceiveResponseHeadAsync() => await ReceiveStatusAsync();

        /// <summary>The response status (HTTP/2: from the first header of the block: ":status" indexed or literal).</summary>
        public async Task<int> ReceiveStatusAsync()
        {
            var received = new List<byte>();
            var buffer = new byte[16 * 1024];
            using var timeout = new CancellationTokenSource(Prompt);
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (read == 0)
                {
                    throw new IOException($"the proxy closed the connection after {received.Count} bytes");
                }

                received.AddRange(buffer.AsSpan(0, read));
                if (framing != Framing.Http2)
                {
                    var text = Encoding.ASCII.GetString([.. received]);
                    if (text.Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        return int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
                    }

                    continue;
                }

                var bytes = received.ToArray();
                for (var at = 0; at + 9 <= bytes.Length;)
                {
                    var length = (bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2];
                    if (at + 9 + length > bytes.Length)
                    {
                        break;
                    }

                    if (bytes[at + 3] == 0x1)
                    {
                        // RFC 7541 Appendix A: static entries 8..14 are ":status" 200, 204, 206, 304, 400, 404, 500.
                        return (bytes[at + 9] & 0x7f) switch
                        {
                            8 => 200,
                            var other => 1000 + other,
                        };
                    }

                    at += 9 + length;
                }
            }
        }

        private byte[] Http1Head()
        {
            var framingHeader = framing == Framing.Chunked ? "Transfer-Encoding: chunked" : $"Content-Length: {(_whole ? WholeBodyLength : 100_000)}";
            return Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: x\r\n{framingHeader}\r\n\r\n");
        }

        /// <summary>HPACK (RFC 7541) without Huffman or indexing: :method POST, :scheme http, :path, :authority x.</summary>
        private byte[] HeaderBlock()
        {
            var block = new List<byte> { 0x83, 0x86 };
            Literal(block, 4, path);
            Literal(block, 1, "x");
            return [.. block];
        }

        /// <summary>A literal field without indexing (RFC 7541 §6.2.2) whose name is static entry <paramref name="nameIndex"/> (&lt; 15).</summary>
        private static void Literal(List<byte> block, byte nameIndex, string value)
        {
            block.Add(nameIndex);
            block.Add((byte)value.Length);
            block.AddRange(Encoding.ASCII.GetBytes(value));
        }

        /// <summary>A frame: 24-bit length, type, flags, 31-bit stream id, payload (RFC 9113 §4.1).</summary>
        private static byte[] Frame(byte type, byte flags, int stream, byte[] payload)
        {
            var frame = new byte[9 + payload.Length];
            frame[0] = (byte)(payload.Length >> 16);
            frame[1] = (byte)(payload.Length >> 8);
            frame[2] = (byte)payload.Length;
            frame[3] = type;
            frame[4] = flags;
            frame[5] = (byte)(stream >> 24);
            frame[6] = (byte)(stream >> 16);
            frame[7] = (byte)(stream >> 8);
            frame[8] = (byte)stream;
            payload.CopyTo(frame, 9);
            return frame;
        }
    }
}
