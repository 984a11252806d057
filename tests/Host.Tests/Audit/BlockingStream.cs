namespace FastProxy.Host.Tests.Audit;

/// <summary>A sink stream whose writes wait for <paramref name="release"/> (a sink stuck on slow storage).</summary>
internal sealed class BlockingStream(ManualResetEventSlim release) : Stream
{
    private volatile bool _blocked;

    public MemoryStream Written { get; } = new();

    public bool Blocked => _blocked;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _blocked = true;
        if (!release.Wait(TimeSpan.FromSeconds(20)))
        {
            throw new IOException("test stream was never released");
        }

        _blocked = false;
        lock (Written)
        {
            Written.Write(buffer);
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
