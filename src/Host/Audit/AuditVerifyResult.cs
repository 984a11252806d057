namespace FastProxy.Host.Audit;

/// <summary>The outcome of <see cref="AuditVerifier.Verify"/>: intact, or the first bad record (file, 1-based line, what is wrong).</summary>
public sealed record AuditVerifyResult
{
    public bool Intact { get; init; }

    /// <summary>Records checked (all of them when intact; up to the bad one otherwise).</summary>
    public long Records { get; init; }

    public int Files { get; init; }

    /// <summary>The file holding the first bad record, or null.</summary>
    public string? File { get; init; }

    /// <summary>1-based line of the first bad record; 0 when the problem is the files themselves (order, missing).</summary>
    public long Line { get; init; }

    /// <summary>What is wrong ("record altered", "removed or reordered (seq gap 41 -> 43)", "chain broken", ...), or null when intact.</summary>
    public string? Problem { get; init; }

    /// <summary>Set when intact but the chain's first link could not be checked (earlier files rotated away or not given).</summary>
    public string? Note { get; init; }

    /// <summary>The one-line report `fastproxy audit verify` prints.</summary>
    public string Describe()
    {
        if (Intact)
        {
            return $"ok: {Records} records in {Files} files, chain intact";
        }

        return Line > 0 ? $"{File}:{Line}: {Problem}" : $"{File}: {Problem}";
    }
}
