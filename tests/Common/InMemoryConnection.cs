using System.IO.Pipelines;
using System.Net;
using FastProxy.Core.Timing;
using FastProxy.Core.Transport;

namespace FastProxy.Tests.Common;

/// <summary>
/// A <see cref="TransportConnection"/> over two <see cref="Pipe"/>s, made in connected pairs (<see cref="CreatePair"/>):
/// what one side writes the other reads. For driving protocol code (Http1ProxyConnection, PipeSplicer, middleware)
/// without sockets. Semantics follow <see cref="SocketConnection"/> where a test can see them:
/// <see cref="DisposeAsync"/> (after closing a pipe on top that asked for it) and <see cref="CloseOutput"/> end the peer's input
/// (FIN: its read returns <c>IsCompleted</c>);
/// <see cref="Abort"/> fails this side's pending read with <see cref="ConnectionAbortedException"/> and the peer's with
/// <see cref="ConnectionResetException"/> (writes after an abort throw, where a socket would report <c>IsCompleted</c>).
/// Deadlines work when a <see cref="Heartbeat"/> is given (drive it with a fake clock).
/// </summary>
public sealed class InMemoryConnection : TransportConnection
{
    private readonly Pipe _incoming;
    private readonly Pipe _outgoing;
    private InMemoryConnection? _peer;
    private int _aborted;
    private int _outputClosed;
    private int _disposed;
    private volatile bool _inputEnded;

    private InMemoryConnection(Pipe incoming, Pipe outgoing, IPEndPoint local, IPEndPoint remote, Heartbeat? heartbeat, ListenerInfo? listener)
        : base(heartbeat, listener)
    {
        _incoming = incoming;
        _outgoing = outgoing;
        LocalEndPoint = local;
        RemoteEndPoint = remote;
        StartDeadlines();
    }

    public override PipeReader TransportInput => _incoming.Reader;

    public override PipeWriter TransportOutput => _outgoing.Writer;

    public override IPEndPoint? RemoteEndPoint { get; }

    public override IPEndPoint? LocalEndPoint { get; }

    public override bool IsInputEnded => _inputEnded;

    public override bool IsAborted => Volatile.Read(ref _aborted) != 0;

    /// <summary>The other end.</summary>
    public InMemoryConnection Peer => _peer!;

    /// <summary>
    /// A connected pair: <c>Server</c> as a listener would have accepted it (with <paramref name="listener"/>, and
    /// <paramref name="serverHeartbeat"/> for deadlines), <c>Client</c> as the peer. <paramref name="pipeOptions"/>
    /// sets both directions' buffering (defaults: Pipe's, 64 KiB pause threshold).
    /// </summary>
    public static (InMemoryConnection Server, InMemoryConnection Client) CreatePair(
        ListenerInfo? listener = null,
        Heartbeat? serverHeartbeat = null,
        PipeOptions? pipeOptions = null,
        IPEndPoint? clientEndPoint = null,
        IPEndPoint? serverEndPoint = null)
    {
        var toServer = new Pipe(pipeOptions ?? PipeOptions.Default);
        var toClient = new Pipe(pipeOptions ?? PipeOptions.Default);
        var clientAddress = clientEndPoint ?? new IPEndPoint(IPAddress.Loopback, 50_000);
        var serverAddress = serverEndPoint ?? listener?.EndPoint ?? new IPEndPoint(IPAddress.Loopback, 8080);
        var server = new InMemoryConnection(toServer, toClient, serverAddress, clientAddress, serverHeartbeat, listener);
        var client = new InMemoryConnection(toClient, toServer, clientAddress, serverAddress, heartbeat: null, listener: null);
        server._peer = client;
        client._peer = server;
        return (server, client);
    }

    /// <summary>Half close: the peer's input ends (FIN); this side can still read.</summary>
    public void CloseOutput()
    {
        if (Interlocked.Exchange(ref _outputClosed, 1) == 0)
        {
            _outgoing.Writer.Complete();
            _peer!._inputEnded = true;
        }
    }

    public override void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        _inputEnded = true;
        _peer!._inputEnded = true;

        // Our pending read fails as aborted; the peer's, as reset. Unlike a socket, writing into a completed Pipe
        // throws InvalidOperationException (on either side) instead of reporting IsCompleted.
        _incoming.Writer.Complete(new ConnectionAbortedException());
        if (Interlocked.Exchange(ref _outputClosed, 1) == 0)
        {
            _outgoing.Writer.Complete(new ConnectionResetException("The peer reset the connection."));
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        StopDeadlines();

        // As SocketConnection: a layer on top that closes with the connection (TLS) sends its last bytes first.
        await DisposeTopPipeAsync();
        CloseOutput();
    }
}
