using System.Text;
using FastProxy.Core.Transport;

namespace FastProxy.Http.Tests.Proxy;

/// <summary>
/// A plain listener that serves both protocols hands a connection to HTTP/2 only when its first bytes are the HTTP/2
/// preface (prior knowledge, RFC 9113 §3.3), with the preface still unread; everything else stays HTTP/1.1.
/// </summary>
public sealed class Http2PriorKnowledgeDispatchTests
{
    private const int TestTimeout = 30_000;
    private const string Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

    [Fact(Timeout = TestTimeout)]
    public async Task PrefaceFirst_HandedToHttp2WithThePrefaceUnread()
    {
        var http2 = new RecordingHttp2Handler();
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint, http2: http2.HandleAsync);
        using var client = await proxy.ConnectAsync();

        await client.SendAsync(Preface + "after");

        Assert.Equal(Preface + "after", await http2.Received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, upstream.Connections);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task PrefaceInPieces_StillHandedToHttp2()
    {
        var http2 = new RecordingHttp2Handler();
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint, http2: http2.HandleAsync);
        using var client = await proxy.ConnectAsync();

        await client.SendAsync("PRI * HT");
        await Task.Delay(100);
        await client.SendAsync("TP/2.0\r\n\r\nSM\r\n\r\nafter");

        Assert.Equal(Preface + "after", await http2.Received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task PostFirst_StaysHttp1()
    {
        var http2 = new RecordingHttp2Handler();
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            var head = await peer.ReadHeadAsync();
            var body = await peer.ReadExactlyAsync(TestPeer.ContentLength(head));
            await peer.SendAsync($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}");
            await peer.ReadToEndAsync();
        });
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint, http2: http2.HandleAsync);
        using var client = await proxy.ConnectAsync();

        await client.SendAsync("POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");

        var (head, body) = await client.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 200 OK", head, StringComparison.Ordinal);
        Assert.Equal("abc", body);
        Assert.False(http2.Received.Task.IsCompleted);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task PrefaceAfterAnHttp1Request_NotHttp2_RefusedAsHttp1()
    {
        var http2 = new RecordingHttp2Handler();
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint, http2: http2.HandleAsync);
        using var client = await proxy.ConnectAsync();

        await client.SendAsync("GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal("/a", (await client.ReadResponseAsync()).Body);
        await client.SendAsync(Preface);

        var (head, _) = await client.ReadResponseAsync();
        Assert.Matches("^HTTP/1.1 (400|505) ", head);
        Assert.False(http2.Received.Task.IsCompleted);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NoHttp2Handler_PrefaceRefusedAsHttp1()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint);
        using var client = await proxy.ConnectAsync();

        await client.SendAsync(Preface);

        Assert.Matches("^HTTP/1.1 (400|505) ", (await client.ReadResponseAsync()).Head);
        Assert.Equal(0, upstream.Connections);
    }

    /// <summary>Stands in for the HTTP/2 connection: reads what the client sent and records it.</summary>
    private sealed class RecordingHttp2Handler
    {
        public TaskCompletionSource<string> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task HandleAsync(TransportConnection connection, CancellationToken shuttingDown)
        {
            var text = new StringBuilder();
            while (text.Length < Preface.Length + "after".Length)
            {
                var result = await connection.Input.ReadAsync(shuttingDown);
                foreach (var segment in result.Buffer)
                {
                    text.Append(Encoding.ASCII.GetString(segment.Span));
                }

                connection.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            Received.TrySetResult(text.ToString());
        }
    }
}
