namespace FastProxy.Host.Audit;

/// <summary>
/// The stdout sink (and, in tests, any stream): no rotation; every process start begins a new chain at
/// genesis, since earlier output is out of reach.
/// </summary>
internal sealed class StreamAuditSink(string name, Func<Stream> open) : IAuditSink
{
    private Stream? _stream;

    public string Name => name;

    public long MaxFileBytes => long.MaxValue;

    public void Open(AuditChainState chain) => _stream ??= open();

    public void Write(ReadOnlySpan<byte> lines)
    {
        _stream ??= open();
        _stream.Write(lines);
        _stream.Flush();
    }

    public void Rotate(long closedFileSeq)
    {
    }

    public void Dispose() => _stream?.Dispose();
}
