namespace FastProxy.Http.Http2.HPack;

/// <summary>How the encoder writes a field that is not already in a table as a whole (RFC 7541 §6.2).</summary>
public enum HPackIndexing : byte
{
    /// <summary>Literal without Indexing (§6.2.2): the usual choice for values that change per response.</summary>
    WithoutIndexing,

    /// <summary>Literal with Incremental Indexing (§6.2.1): added to both tables, later sent as one index byte.</summary>
    Incremental,

    /// <summary>Never Indexed (§6.2.3): intermediaries must keep it literal too (secrets such as set-cookie).</summary>
    NeverIndexed,
}
