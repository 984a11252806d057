using System.IO.Pipelines;
using System.Net;
using System.Buffers;
using System.Text;
using FastProxy.Core.Timing;
using FastProxy.Core.Transport;
using FastProxy.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Core.Tests.Transport;

/// <summary>
/// The transport seam: a pipe put on top of a connection becomes its Input/Output (and deadlines wake a reader on it),
/// each listener runs its own pipeline and hands its facts to its connections.
/// </summary>
public sealed class TransportSeamTests
{
    private const int TestTimeout = 30_000;
    private static readonly TimeSpan Step = LoopbackHelpers.StepTimeout;

    [Fact(Timeout = TestTimeout)]
    public async Task SetTimeout_WithAPipeOnTop_CancelsTheReadOfTheTopPipe()
    {
        var time = new FakeTimeProvider();
        using var heartbeat = new Heartbeat(time, TimeSpan.FromSeconds(1));
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Heartbeat = heartbeat, Time = time });
        var top = new Pipe();
        pair.Server.UsePipe(new DuplexPipe(top.Reader, new Pipe().Writer));
        Assert.Same(top.Reader, pair.Server.Input);

        var read = pair.Server.Input.ReadAsync().AsTask();
        pair.Server.SetTimeout(TimeSpan.FromSeconds(5), TimeoutReason.RequestHeaders);
        time.Advance(TimeSpan.FromSeconds(6));

        var result = await read.WaitAsync(Step);
        Assert.True(result.IsCanceled);
        Assert.Equal(TimeoutReason.RequestHeaders, pair.Server.TimedOutReason);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task BeginDrain_WithAPipeOnTop_WakesAnIdleReaderOnTheTopPipe()
    {
        var time = new FakeTimeProvider();
        using var heartbeat = new Heartbeat(time, TimeSpan.FromSeconds(1));
        var (server, client) = InMemoryConnection.CreatePair(serverHeartbeat: heartbeat);
        var top = new Pipe();
        server.UsePipe(new DuplexPipe(top.Reader, top.Writer));
        server.SetAwaitingRequest(true);
        var read = server.Input.ReadAsync().AsTask();

        server.BeginDrain();

        Assert.True((await read.WaitAsync(Step)).IsCanceled);
        Assert.Equal(TimeoutReason.Drain, server.TimedOutReason);
        await server.DisposeAsync();
        await client.DisposeAsync();
    }

    [Fact]
    public void UsePipe_KeepsTheTransportPipeReachable_AndASecurePipeProvidesTheSecurityFacts()
    {
        var (server, _) = InMemoryConnection.CreatePair();
        var transportInput = server.TransportInput;
        Assert.Same(transportInput, server.Input);
        Assert.Null(server.Security);

        var security = new ConnectionSecurity { ServerName = "example.test", ApplicationProtocol = "http/1.1"u8.ToArray() };
        var top = new Pipe();
        server.UsePipe(new SecurePipe(new DuplexPipe(top.Reader, top.Writer), security));

        Assert.Same(top.Reader, server.Input);
        Assert.Same(top.Writer, server.Output);
        Assert.Same(transportInput, server.TransportInput);
        Assert.Same(security, server.Security);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task DisposeAsync_DisposableTopPipe_ClosedFirstAndOnce_WhileTheSocketCanStillSend()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { LingerTimeout = TimeSpan.Zero });
        var top = new ClosingPipe(pair.Server);
        pair.Server.UsePipe(top);

        await pair.Server.DisposeAsync().AsTask().WaitAsync(Step);
        await pair.Server.DisposeAsync().AsTask().WaitAsync(Step);

        Assert.Equal(1, top.Disposals);
        Assert.True(top.SentOnClose);
        Assert.Equal(("bye", true), await LoopbackHelpers.ReceiveToEndAsync(pair.Client));
    }

    [Fact]
    public async Task ConnectionPipelineBuilder_RunsMiddlewareInOrder_ThenTheProtocolHandler()
    {
        var steps = new List<string>();
        var pipeline = new ConnectionPipelineBuilder()
            .Use(next => (c, ct) => { steps.Add("first"); return next(c, ct); })
            .Use(next => (c, ct) => { steps.Add("second"); return next(c, ct); })
            .Build((c, ct) => { steps.Add("protocol"); return Task.CompletedTask; });

        var (server, _) = InMemoryConnection.CreatePair();
        await pipeline(server, CancellationToken.None);
        Assert.Equal(["first", "second", "protocol"], steps);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ConnectionListener_RunsEachEndpointsOwnPipeline_WithItsListenerFacts()
    {
        var endpoints = new[] { LoopbackHelpers.AnyPortV4, LoopbackHelpers.AnyPortV4 };
        var listeners = new[]
        {
            new ListenerInfo(0, "plain", endpoints[0], ListenerInfo.HttpScheme),
            new ListenerInfo(1, "secure", endpoints[1], ListenerInfo.HttpsScheme),
        };

        // Each pipeline answers with its own tag and the facts it sees.
        ConnectionHandler Answer(string tag) => new ConnectionPipelineBuilder()
            .Use(next => (c, ct) =>
            {
                c.Output.Write(Encoding.ASCII.GetBytes(tag + ":"));
                return next(c, ct);
            })
            .Build(async (c, ct) =>
            {
                c.Output.Write(Encoding.ASCII.GetBytes($"{c.Listener!.Name}/{c.Listener.Index}/{c.Scheme}/{c.RemoteAddress}\n"));
                await c.Output.FlushAsync(ct);
            });

        await using var listener = new ConnectionListener(
            new ConnectionListenerOptions { Endpoints = endpoints, Listeners = listeners },
            [Answer("a"), Answer("b")],
            NullLogger.Instance);
        await listener.StartAsync(CancellationToken.None);

        Assert.Equal("a:plain/0/http/127.0.0.1\n", await AskAsync(listener.BoundEndPoints[0]));
        Assert.Equal("b:secure/1/https/127.0.0.1\n", await AskAsync(listener.BoundEndPoints[1]));
    }

    [Fact]
    public void ConnectionListener_WithAPipelineCountOtherThanTheEndpoints_IsRefused()
    {
        var options = new ConnectionListenerOptions { Endpoints = [LoopbackHelpers.AnyPortV4, LoopbackHelpers.AnyPortV4] };
        Assert.Throws<ArgumentException>(() => new ConnectionListener(options, [TestHandlers.EchoAsync], NullLogger.Instance));
    }

    [Fact]
    public void ListenerInfo_RefusesSchemesOtherThanHttpAndHttps()
    {
        Assert.Throws<ArgumentException>(() => new ListenerInfo(0, "x", new IPEndPoint(IPAddress.Loopback, 1), "ftp"));
        Assert.Equal("https"u8.ToArray(), new ListenerInfo(0, "x", new IPEndPoint(IPAddress.Loopback, 1), "https").SchemeBytes.ToArray());
    }

    private static async Task<string> AskAsync(IPEndPoint endpoint)
    {
        using var client = await LoopbackHelpers.ConnectAsync(endpoint);
        var (data, _) = await LoopbackHelpers.ReceiveToEndAsync(client);
        return data;
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>A layer the connection owns (as upstream TLS is): on close it sends its last bytes through the transport.</summary>
    private sealed class ClosingPipe(TransportConnection connection) : IDuplexPipe, IAsyncDisposable
    {
        private readonly Pipe _pipe = new();

        public PipeReader Input => _pipe.Reader;

        public PipeWriter Output => _pipe.Writer;

        public int Disposals { get; private set; }

        public bool SentOnClose { get; private set; }

        public async ValueTask DisposeAsync()
        {
            Disposals++;
            var flushed = await connection.TransportOutput.WriteAsync("bye"u8.ToArray());
            SentOnClose = !flushed.IsCompleted;
        }
    }

    private sealed class SecurePipe(IDuplexPipe inner, ConnectionSecurity security) : ISecureDuplexPipe
    {
        public PipeReader Input => inner.Input;

        public PipeWriter Output => inner.Output;

        public ConnectionSecurity Security { get; } = security;
    }
}
