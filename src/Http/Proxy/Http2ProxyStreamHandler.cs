using System.Runtime.CompilerServices;
using FastProxy.Core.Gate;
using FastProxy.Core.Transport;
using FastProxy.Http.Http2.Streams;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ObjectPool;

namespace FastProxy.Http.Proxy;

/// <summary>
/// The proxy's HTTP/2 request handler: each stream is one request run through the same forwarding stages as an
/// HTTP/1.1 request (route, gate, audit stance, limits; <see cref="Forwarding.Forwarder"/>) and exchanged with the
/// route's HTTP/1.1 upstream pool (the h2 -> h1 downgrade). One per listener, shared by its connections and streams;
/// the per-stream state (<see cref="Http2ProxyStream"/>) is pooled, so a request allocates none in steady state.
/// </summary>
internal sealed class Http2ProxyStreamHandler : IHttp2StreamHandler
{
    // As ExchangePool and HeadPools: enough for every stream in flight on a busy single-core proxy; beyond it stream
    // states are allocated and dropped, which costs garbage, never correctness.
    private const int MaxRetainedStreams = 1024;

    private readonly ObjectPool<Http2ProxyStream> _streams;

    // The client identity (address, TLS client-certificate facts) is a fact of the connection, built once for its
    // first stream as Http1ProxyConnection builds it once per connection; the entry goes with the connection.
    private readonly ConditionalWeakTable<TransportConnection, ClientIdentity> _clients = [];

    public Http2ProxyStreamHandler(Func<ProxyRuntime> runtime, Http1ProxyOptions options, ILogger logger)
    {
        Runtime = runtime;
        Options = options;
        Logger = logger;
        _streams = new DefaultObjectPool<Http2ProxyStream>(new StreamPolicy(this), MaxRetainedStreams);
    }

    public Func<ProxyRuntime> Runtime { get; }

    public Http1ProxyOptions Options { get; }

    public ILogger Logger { get; }

    public ValueTask HandleAsync(IHttp2RequestStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var client = _clients.GetValue(stream.Connection, CreateClientIdentity);
        return _streams.Get().RunAsync(stream, client);
    }

    /// <summary>Takes back a stream state once its request is recorded.</summary>
    internal void Return(Http2ProxyStream stream) => _streams.Return(stream);

    private static ClientIdentity CreateClientIdentity(TransportConnection connection)
        => ClientIdentity.ForConnection(connection.RemoteAddress, connection.Security);

    private sealed class StreamPolicy(Http2ProxyStreamHandler handler) : PooledObjectPolicy<Http2ProxyStream>
    {
        public override Http2ProxyStream Create() => new(handler);

        public override bool Return(Http2ProxyStream obj)
        {
            obj.Reset();
            return true;
        }
    }
}
