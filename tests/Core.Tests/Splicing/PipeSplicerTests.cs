using System.Buffers;
using System.IO.Pipelines;
using FastProxy.Core.Splicing;
using FastProxy.Tests.Common;

namespace FastProxy.Core.Tests.Splicing;

/// <summary>
/// <see cref="PipeSplicer"/> between two in-memory connections: client &lt;-&gt; [downstream | splicer | upstream] &lt;-&gt; origin.
/// </summary>
public sealed class PipeSplicerTests
{
    private const int TestTimeout = 60_000;
    private static readonly TimeSpan Step = LoopbackHelpers.StepTimeout;

    [Fact(Timeout = TestTimeout)]
    public async Task Splice_CarriesBytesBothWays()
    {
        var (client, downstream, upstream, origin) = Connect();
        var splice = PipeSplicer.SpliceAsync(downstream, upstream, CancellationToken.None);

        await client.Output.WriteAsync("ping"u8.ToArray());
        Assert.Equal("ping"u8.ToArray(), await ReadExactlyAsync(origin.Input, 4));
        await origin.Output.WriteAsync("pong"u8.ToArray());
        Assert.Equal("pong"u8.ToArray(), await ReadExactlyAsync(client.Input, 4));

        client.CloseOutput();
        var (result, error) = await splice.WaitAsync(Step);
        Assert.Equal(SpliceResult.Success, result);
        Assert.Null(error);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Splice_WhenTheClientHalfCloses_DeliversItsLastBytesAndEndsCleanly()
    {
        var (client, downstream, upstream, origin) = Connect();
        var splice = PipeSplicer.SpliceAsync(downstream, upstream, CancellationToken.None);

        await client.Output.WriteAsync("last words"u8.ToArray());
        client.CloseOutput();

        Assert.Equal("last words"u8.ToArray(), await ReadExactlyAsync(origin.Input, 10));
        Assert.Equal(SpliceResult.Success, (await splice.WaitAsync(Step)).Result);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Splice_WhenTheOriginHalfCloses_EndsCleanly()
    {
        var (client, downstream, upstream, origin) = Connect();
        var splice = PipeSplicer.SpliceAsync(downstream, upstream, CancellationToken.None);

        await origin.Output.WriteAsync("bye"u8.ToArray());
        origin.CloseOutput();

        Assert.Equal("bye"u8.ToArray(), await ReadExactlyAsync(client.Input, 3));
        Assert.Equal(SpliceResult.Success, (await splice.WaitAsync(Step)).Result);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Splice_WhenTheClientResets_BlamesDownstream()
    {
        var (client, downstream, upstream, _) = Connect();
        var splice = PipeSplicer.SpliceAsync(downstream, upstream, CancellationToken.None);

        client.Abort();

        var (result, error) = await splice.WaitAsync(Step);
        Assert.Equal(SpliceResult.DownstreamError, result);
        Assert.IsType<FastProxy.Core.Transport.ConnectionResetException>(error);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Splice_WhenTheOriginResets_BlamesUpstream()
    {
        var (_, downstream, upstream, origin) = Connect();
        var splice = PipeSplicer.SpliceAsync(downstream, upstream, CancellationToken.None);

        origin.Abort();

        var (result, error) = await splice.WaitAsync(Step);
        Assert.Equal(SpliceResult.UpstreamError, result);
        Assert.IsType<FastProxy.Core.Transport.ConnectionResetException>(error);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Splice_WhenTheProxyAbortsItsDownstreamSide_BlamesDownstream()
    {
        var (_, downstream, upstream, _) = Connect();
        var splice = PipeSplicer.SpliceAsync(downstream, upstream, CancellationToken.None);

        downstream.Abort();

        var (result, error) = await splice.WaitAsync(Step);
        Assert.Equal(SpliceResult.DownstreamError, result);
        Assert.IsType<FastProxy.Core.Transport.ConnectionAbortedException>(error);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Splice_WhenCancelled_ReportsCanceled()
    {
        var (_, downstream, upstream, _) = Connect();
        using var cts = new CancellationTokenSource();
        var splice = PipeSplicer.SpliceAsync(downstream, upstream, cts.Token);

        await cts.CancelAsync();

        Assert.Equal(SpliceResult.Canceled, (await splice.WaitAsync(Step)).Result);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Splice_CarriesLargeTransfersBothWaysAtOnce_InOrder()
    {
        const int size = 8 * 1024 * 1024;
        var (client, downstream, upstream, origin) = Connect();
        var splice = PipeSplicer.SpliceAsync(downstream, upstream, CancellationToken.None);
        var up = Payload(size, seed: 1);
        var down = Payload(size, seed: 2);

        var received = Task.Run(() => ReadExactlyAsync(origin.Input, size));
        var answered = Task.Run(() => ReadExactlyAsync(client.Input, size));
        var sendUp = Task.Run(() => WriteInPiecesAsync(client.Output, up));
        var sendDown = Task.Run(() => WriteInPiecesAsync(origin.Output, down));
        await Task.WhenAll(sendUp, sendDown).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(up, await received.WaitAsync(Step));
        Assert.Equal(down, await answered.WaitAsync(Step));
        client.CloseOutput();
        Assert.Equal(SpliceResult.Success, (await splice.WaitAsync(Step)).Result);
    }

    /// <summary>client talks to downstream (the proxy's accepted side); upstream (the proxy's connection out) talks to origin.</summary>
    private static (InMemoryConnection Client, InMemoryConnection Downstream, InMemoryConnection Upstream, InMemoryConnection Origin) Connect()
    {
        var (downstream, client) = InMemoryConnection.CreatePair();
        var (origin, upstream) = InMemoryConnection.CreatePair();
        return (client, downstream, upstream, origin);
    }

    private static byte[] Payload(int size, int seed)
    {
        var payload = new byte[size];
        new Random(seed).NextBytes(payload);
        return payload;
    }

    private static async Task WriteInPiecesAsync(PipeWriter output, byte[] payload)
    {
        for (var offset = 0; offset < payload.Length; offset += 10_000)
        {
            var result = await output.WriteAsync(payload.AsMemory(offset, Math.Min(10_000, payload.Length - offset)));
            Assert.False(result.IsCompleted);
        }
    }

    private static async Task<byte[]> ReadExactlyAsync(PipeReader input, int count)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var result = await input.ReadAsync(cts.Token);
            if (result.Buffer.Length >= count)
            {
                var bytes = result.Buffer.Slice(0, count).ToArray();
                input.AdvanceTo(result.Buffer.GetPosition(count));
                return bytes;
            }

            if (result.IsCompleted)
            {
                throw new EndOfStreamException($"EOF after {result.Buffer.Length} of {count} bytes");
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
