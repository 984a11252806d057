using System.Buffers;
using System.IO.Pipelines;

namespace FastProxy.Fuzz;

/// <summary>Runs a writer that targets a <see cref="PipeWriter"/> and returns what it wrote.</summary>
public static class PipeBytes
{
    public static byte[] Capture(Action<PipeWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);

        // No pause threshold: a flush never waits for a reader, so every task below is already complete.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        write(pipe.Writer);
        pipe.Writer.FlushAsync().AsTask().GetAwaiter().GetResult(); // completed: nothing can make it wait (see above)
        pipe.Writer.Complete();
        PropertyViolationException.Check(pipe.Reader.TryRead(out var result), "a completed pipe has its bytes ready");
        var bytes = result.Buffer.ToArray();
        pipe.Reader.AdvanceTo(result.Buffer.End);
        pipe.Reader.Complete();
        return bytes;
    }
}
