using System.IO.Pipelines;
using System.Net;
using FastProxy.Core.Transport;

namespace FastProxy.Benchmarks.Mocks;

/// <summary>
/// A <see cref="TransportConnection"/> over two in-memory pipes, for driving protocol code without sockets.
/// <see cref="ClientInput"/>/<see cref="ClientOutput"/> are the peer's ends.
/// </summary>
internal sealed class PipeConnection : TransportConnection
{
    private readonly Pipe _toServer;
    private readonly Pipe _toClient;
    private int _aborted;

    public PipeConnection(PipeOptions options)
        : base(heartbeat: null, listener: null)
    {
        _toServer = new Pipe(options);
        _toClient = new Pipe(options);
    }

    public PipeReader ClientInput => _toClient.Reader;

    public PipeWriter ClientOutput => _toServer.Writer;

    public override PipeReader TransportInput => _toServer.Reader;

    public override PipeWriter TransportOutput => _toClient.Writer;

    public override IPEndPoint? RemoteEndPoint => null;

    public override IPEndPoint? LocalEndPoint => null;

    public override bool IsInputEnded => false;

    public override bool IsAborted => _aborted != 0;

    public override void Abort() => Interlocked.Exchange(ref _aborted, 1);

    public override ValueTask DisposeAsync() => _toClient.Writer.CompleteAsync();
}
