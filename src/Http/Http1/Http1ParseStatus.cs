namespace FastProxy.Http.Http1;

/// <summary>Outcome of one parse attempt (CONVENTIONS.md §3: Kestrel's Complete / Incomplete / Error contract).</summary>
public enum Http1ParseStatus : byte
{
    /// <summary>More bytes are needed; nothing was consumed.</summary>
    Incomplete,

    /// <summary>A whole head was parsed; <c>consumed</c> is the first byte after its blank line.</summary>
    Complete,

    /// <summary>The input is malformed or over a limit; the connection must answer with the error status and close.</summary>
    Error,
}
