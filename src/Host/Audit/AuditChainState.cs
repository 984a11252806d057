namespace FastProxy.Host.Audit;

/// <summary>Where the hash chain continues: the next record's file number, its sequence number in that file and the previous hash.</summary>
internal sealed class AuditChainState
{
    public long FileSeq { get; set; }

    /// <summary>The sequence number of the last record written to the current file (0: the file has none yet).</summary>
    public long Seq { get; set; }

    /// <summary>Bytes already in the current file (for rotation).</summary>
    public long FileBytes { get; set; }

    /// <summary>The previous record's hash (raw bytes), or the genesis value.</summary>
    public byte[] PrevHash { get; } = new byte[AuditFormat.HashBytes];

    public static AuditChainState Genesis() => new();

    public void CopyFrom(AuditChainState other)
    {
        FileSeq = other.FileSeq;
        Seq = other.Seq;
        FileBytes = other.FileBytes;
        other.PrevHash.CopyTo(PrevHash, 0);
    }
}
