using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using FastProxy.Core.Transport;
using FastProxy.Core.Upstream;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.Client;
using FastProxy.Http.Http2.Streams;
using FastProxy.Tests.Common;

namespace FastProxy.Http.Tests.Http2.Client;

/// <summary>A connector whose every connection is served in memory by our own <see cref="Http2Connection"/> (the server).</summary>
internal sealed class InMemoryHttp2Upstream(IHttp2StreamHandler handler, Http2ConnectionOptions? options = null) : IUpstreamConnector, IAsyncDisposable
{
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentQueue<Task> _runs = new();
    private int _connects;

    public ListLogger ServerLog { get; } = new();

    public int Connects => Volatile.Read(ref _connects);

    public ConcurrentQueue<InMemoryConnection> ServerSides { get; } = new();

    public ValueTask<TransportConnection> ConnectAsync(EndPoint endpoint, TimeSpan connectTimeout, CancellationToken ct)
    {
        var (server, client) = InMemoryConnection.CreatePair();
        var connection = new Http2Connection(server, handler, options ?? new Http2ConnectionOptions(), ServerLog, _shutdown.Token);
        ServerSides.Enqueue(server);
        _runs.Enqueue(Task.Run(connection.RunAsync, CancellationToken.None));
        Interlocked.Increment(ref _connects);
        return new ValueTask<TransportConnection>(client);
    }

    /// <summary>Asks every server connection to drain (GOAWAY NO_ERROR, finish open streams, close).</summary>
    public void Shutdown() => _shutdown.Cancel();

    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync();
        foreach (var server in ServerSides)
        {
            await server.DisposeAsync();
        }

        await Task.WhenAll(_runs).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        _shutdown.Dispose();
    }
}

/// <summary>A pool for one endpoint, built the way the host builds it (an HTTP/2 cluster with the factory).</summary>
internal sealed class Http2PoolUnderTest : IAsyncDisposable
{
    private readonly UpstreamCluster _cluster;

    public Http2PoolUnderTest(IUpstreamConnector? connector, Http2UpstreamOptions? options = null, UpstreamPoolOptions? pool = null, TimeProvider? time = null, EndPoint? endpoint = null)
    {
        var template = pool ?? new UpstreamPoolOptions();
        var poolOptions = new UpstreamPoolOptions
        {
            Protocol = UpstreamProtocol.Http2,
            Connector = connector ?? new TcpUpstreamConnector(new SocketConnectionOptions()),
            MultiplexedPoolFactory = Http2UpstreamPoolFactory.Create(options ?? new Http2UpstreamOptions()),
            ConnectTimeout = template.ConnectTimeout,
            IdleTimeout = template.IdleTimeout,
            MaxConnectionsPerEndpoint = template.MaxConnectionsPerEndpoint,
            MaxPendingRequestsPerEndpoint = template.MaxPendingRequestsPerEndpoint,
            MaxConnectionsPerCluster = template.MaxConnectionsPerCluster,
            MaxPendingRequestsPerCluster = template.MaxPendingRequestsPerCluster,
        };
        _cluster = new UpstreamCluster("test", [endpoint ?? new IPEndPoint(IPAddress.Loopback, 9)], BalancePolicy.RoundRobin, poolOptions, time ?? TimeProvider.System, Log);
        Pool = (IHttp2UpstreamStreamSource)_cluster.Endpoints[0].Multiplexed!;
    }

    public ListLogger Log { get; } = new();

    public IHttp2UpstreamStreamSource Pool { get; }

    public UpstreamEndpoint Endpoint => _cluster.Endpoints[0];

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();
}

/// <summary>One exchange as a test drives it (the adapter's part), with what came back.</summary>
internal sealed record Http2Exchange(Http2UpstreamHeadOutcome Outcome, int Status, Dictionary<string, string> Fields, string Body, Dictionary<string, string> Trailers)
{
    public static async Task<Http2Exchange> RunAsync(
        IHttp2UpstreamStream stream,
        string method = "GET",
        string path = "/",
        string? body = null,
        IReadOnlyDictionary<string, string>? trailers = null,
        IReadOnlyDictionary<string, string>? fields = null,
        bool release = true)
    {
        try
        {
            stream.AddRequestField(":method"u8, Encoding.ASCII.GetBytes(method));
            stream.AddRequestField(":scheme"u8, "http"u8);
            stream.AddRequestField(":authority"u8, "upstream.test"u8);
            stream.AddRequestField(":path"u8, Encoding.ASCII.GetBytes(path));
            foreach (var (name, value) in fields ?? new Dictionary<string, string>(StringComparer.Ordinal))
            {
                stream.AddRequestField(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value));
            }

            var noBody = body is null && trailers is null;
            if (!await stream.SendRequestHeadAsync(noBody))
            {
                return new Http2Exchange(Http2UpstreamHeadOutcome.Refused, 0, [], string.Empty, []);
            }

            if (body is not null)
            {
                await stream.WriteRequestDataAsync(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(body)), endStream: trailers is null, CancellationToken.None);
            }

            if (trailers is not null)
            {
                foreach (var (name, value) in trailers)
                {
                    stream.AddRequestField(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value));
                }

                await stream.CompleteRequestAsync();
            }

            var outcome = await stream.ReadResponseHeadAsync(CancellationToken.None);
            if (outcome != Http2UpstreamHeadOutcome.Complete)
            {
                return new Http2Exchange(outcome, 0, [], string.Empty, []);
            }

            var head = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < stream.ResponseFieldCount; i++)
            {
                stream.GetResponseField(i, out var name, out var value);
                head[Encoding.ASCII.GetString(name)] = Encoding.ASCII.GetString(value);
            }

            var text = await ReadBodyAsync(stream);
            var tail = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < stream.ResponseTrailerCount; i++)
            {
                stream.GetResponseTrailer(i, out var name, out var value);
                tail[Encoding.ASCII.GetString(name)] = Encoding.ASCII.GetString(value);
            }

            return new Http2Exchange(outcome, stream.Status, head, text, tail);
        }
        finally
        {
            if (release)
            {
                stream.Release();
            }
        }
    }

    public static async Task<string> ReadBodyAsync(IHttp2UpstreamStream stream)
    {
        var bytes = new List<byte>();
        while (true)
        {
            var result = await stream.ResponseBody.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                bytes.AddRange(segment.ToArray());
            }

            stream.ResponseBody.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return Encoding.UTF8.GetString(bytes.ToArray());
            }
        }
    }
}
