namespace FastProxy.Host.Audit;

/// <summary>
/// The chain members of one record line, as <see cref="AuditRecordReader"/> read them.
/// </summary>
/// <param name="Version">`v`: 1 or 2.</param>
/// <param name="FileSeq">`file_seq`, at least 0.</param>
/// <param name="Seq">`seq`, at least 1.</param>
/// <param name="Prev">
/// `prev` (32 raw bytes) when the record carries it: every v1 record, and a v2 record with `seq` 1.
/// Null for a v2 record with `seq` above 1: its prev is implied, the hash of the line before it.
/// </param>
/// <param name="Hash">`hash` (32 raw bytes).</param>
internal readonly record struct AuditChainFields(int Version, long FileSeq, long Seq, byte[]? Prev, byte[] Hash);
