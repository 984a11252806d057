using System.IO.Pipelines;
using System.Net;
using FastProxy.Core.Timing;
using FastProxy.Core.Transport;

namespace FastProxy.Benchmarks.Mocks;

/// <summary>
/// A transport connection over two in-process pipes (deadlines through the heartbeat given): <see cref="Incoming"/> is what the code under
/// test reads (the benchmark writes it), <see cref="Outgoing"/> what it writes (the benchmark drains it).
/// </summary>
internal sealed class BenchConnection : TransportConnection
{
    private static readonly PipeOptions Options = new(pauseWriterThreshold: 0, useSynchronizationContext: false);

    public BenchConnection(IPEndPoint remote, Heartbeat? heartbeat = null)
        : base(heartbeat, listener: null)
    {
        RemoteEndPoint = remote;
        StartDeadlines();
    }

    public Pipe Incoming { get; } = new(Options);

    public Pipe Outgoing { get; } = new(Options);

    public override PipeReader TransportInput => Incoming.Reader;

    public override PipeWriter TransportOutput => Outgoing.Writer;

    public override IPEndPoint? RemoteEndPoint { get; }

    public override IPEndPoint? LocalEndPoint => null;

    public override bool IsInputEnded => false;

    public override bool IsAborted => false;

    public override void Abort() => throw new InvalidOperationException("the benchmark's exchange failed");

    public override ValueTask DisposeAsync() => default;

    /// <summary>Consumes everything written so far.</summary>
    public long Drain()
    {
        var reader = Outgoing.Reader;
        if (!reader.TryRead(out var result))
        {
            return 0;
        }

        var length = result.Buffer.Length;
        reader.AdvanceTo(result.Buffer.End);
        return length;
    }
}
