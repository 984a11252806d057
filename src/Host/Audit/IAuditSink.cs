namespace FastProxy.Host.Audit;

/// <summary>
/// Where serialized records go. Called only from the audit trail's background writer, one call at a time.
/// Failures are exceptions (IOException, UnauthorizedAccessException, ...): the writer counts them and retries.
/// </summary>
internal interface IAuditSink : IDisposable
{
    /// <summary>For log messages: a path or "stdout".</summary>
    string Name { get; }

    /// <summary>Rotation size in bytes, or <see cref="long.MaxValue"/> for a sink that does not rotate.</summary>
    long MaxFileBytes { get; }

    /// <summary>Prepares the sink and fills <paramref name="chain"/> with where an existing trail continues (left at genesis when there is none).</summary>
    void Open(AuditChainState chain);

    /// <summary>Appends whole lines and flushes them to the operating system; on failure nothing of them counts as written.</summary>
    void Write(ReadOnlySpan<byte> lines);

    /// <summary>Closes the current file (number <paramref name="closedFileSeq"/>) and starts a new one, applying retention.</summary>
    void Rotate(long closedFileSeq);
}
