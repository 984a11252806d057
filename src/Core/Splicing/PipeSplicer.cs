using System.Buffers;
using System.IO.Pipelines;

namespace FastProxy.Core.Splicing;

/// <summary>
/// Copies bytes both ways between two duplex pipes until either side closes (WebSocket after a
/// 101, CONNECT tunnels). Segments are handed from one pipe to the other without an
/// intermediate buffer; awaiting FlushAsync gives backpressure in each direction.
/// </summary>
public static class PipeSplicer
{
    public static async Task<(SpliceResult Result, Exception? Error)> SpliceAsync(IDuplexPipe downstream, IDuplexPipe upstream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        ArgumentNullException.ThrowIfNull(upstream);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var toUpstream = CopyAsync(downstream.Input, upstream.Output, SpliceResult.DownstreamError, SpliceResult.UpstreamError, linked.Token);
        var toDownstream = CopyAsync(upstream.Input, downstream.Output, SpliceResult.UpstreamError, SpliceResult.DownstreamError, linked.Token);

        // When one direction ends, the other has nothing left to carry the conversation: a
        // WebSocket peer that closed its side is done. Cancel the other copy.
        var first = await Task.WhenAny(toUpstream, toDownstream);
        await linked.CancelAsync();
        var firstResult = await first;
        var secondResult = await (first == toUpstream ? toDownstream : toUpstream);
        if (firstResult.Result != SpliceResult.Success)
        {
            return firstResult;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return (SpliceResult.Canceled, null);
        }

        return secondResult.Result is SpliceResult.Success or SpliceResult.Canceled ? (SpliceResult.Success, null) : secondResult;
    }

    private static async Task<(SpliceResult Result, Exception? Error)> CopyAsync(PipeReader from, PipeWriter to, SpliceResult readBlame, SpliceResult writeBlame, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult read;
            try
            {
                read = await from.ReadAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return (SpliceResult.Canceled, null);
            }
            catch (Exception ex)
            {
                return (readBlame, ex);
            }

            var buffer = read.Buffer;
            try
            {
                foreach (var segment in buffer)
                {
                    to.Write(segment.Span);
                }

                var flush = await to.FlushAsync(cancellationToken);
                if (flush.IsCompleted)
                {
                    return (SpliceResult.Success, null);
                }
            }
            catch (OperationCanceledException)
            {
                return (SpliceResult.Canceled, null);
            }
            catch (Exception ex)
            {
                return (writeBlame, ex);
            }
            finally
            {
                from.AdvanceTo(buffer.End);
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                return (SpliceResult.Success, null);
            }
        }
    }
}
