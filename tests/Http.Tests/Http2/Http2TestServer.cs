using System.Buffers;
using System.Text;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.Streams;
using FastProxy.Tests.Common;

namespace FastProxy.Http.Tests.Http2;

/// <summary>An <see cref="Http2Connection"/> served over an in-memory pair, and the test client on the other end.</summary>
internal sealed class Http2TestServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _shutdown = new();

    private Http2TestServer(IHttp2StreamHandler handler, Http2ConnectionOptions options)
    {
        var (server, client) = InMemoryConnection.CreatePair();
        Server = server;
        Client = new Http2TestClient(client);
        Connection = new Http2Connection(server, handler, options, Logger, _shutdown.Token);
        Run = Task.Run(Connection.RunAsync, CancellationToken.None);
    }

    public InMemoryConnection Server { get; }

    public ListLogger Logger { get; } = new();

    public Http2TestClient Client { get; }

    public Http2Connection Connection { get; }

    /// <summary>The connection's RunAsync: completes when the server side closed.</summary>
    public Task Run { get; }

    public static Http2TestServer Start(IHttp2StreamHandler? handler = null, Http2ConnectionOptions? options = null) =>
        new(handler ?? new EchoHandler(), options ?? new Http2ConnectionOptions());

    public static async Task<Http2TestServer> StartAndHandshakeAsync(IHttp2StreamHandler? handler = null, Http2ConnectionOptions? options = null)
    {
        var server = Start(handler, options);
        await server.Client.HandshakeAsync();
        return server;
    }

    public void Shutdown() => _shutdown.Cancel();

    public async ValueTask DisposeAsync()
    {

        await Client.DisposeAsync();
        await Run.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        _shutdown.Dispose();
    }
}

/// <summary>A handler from a delegate.</summary>
internal sealed class ScriptedHandler(Func<IHttp2RequestStream, ValueTask> script) : IHttp2StreamHandler
{
    public ValueTask HandleAsync(IHttp2RequestStream stream) => script(stream);
}

/// <summary>
/// Answers every request with 200, the request's method, path and query and field count as response fields, the
/// request body echoed as the response body, and the request trailers echoed as response trailers.
/// </summary>
internal sealed class EchoHandler : IHttp2StreamHandler
{
    public async ValueTask HandleAsync(IHttp2RequestStream stream)
    {
        if (stream.ExpectContinue)
        {
            await stream.WriteContinueAsync();
        }

        using var body = new MemoryStream();
        while (true)
        {
            var result = await stream.RequestBody.ReadAsync(CancellationToken.None);
            foreach (var segment in result.Buffer)
            {
                body.Write(segment.Span);
            }

            stream.RequestBody.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await stream.RequestBody.CompleteAsync();
        stream.AddResponseField("x-method"u8, stream.MethodBytes);
        stream.AddResponseField("x-path"u8, stream.Path);
        stream.AddResponseField("x-query"u8, stream.Query);
        stream.AddResponseField("x-host"u8, stream.Host);
        stream.AddResponseField("X-Field-Count"u8, Encoding.ASCII.GetBytes(stream.FieldCount.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        stream.AddResponseField("connection"u8, "close"u8);
        if (stream.TryGetFirst("X-Echo"u8, out var echo))
        {
            stream.AddResponseField("x-echo"u8, echo);
        }

        await stream.WriteResponseHeadAsync(200, endStream: false);
        if (body.Length > 0)
        {
            await stream.WriteDataAsync(new ReadOnlySequence<byte>(body.ToArray()), endStream: false);
        }

        for (var i = 0; i < stream.TrailerCount; i++)
        {
            stream.GetTrailer(i, out var name, out var value);
            stream.AddResponseField(name, value);
        }

        await stream.CompleteResponseAsync();
    }
}
