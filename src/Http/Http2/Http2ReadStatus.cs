namespace FastProxy.Http.Http2;

/// <summary>Outcome of one frame read (CONVENTIONS.md §3: Complete / Incomplete / Error).</summary>
public enum Http2ReadStatus : byte
{
    /// <summary>More bytes are needed; nothing was consumed.</summary>
    Incomplete,

    /// <summary>One whole, valid frame was read; <c>consumed</c> is the first byte after it.</summary>
    Complete,

    /// <summary>The frame breaks RFC 9113; the error says the code and whether it ends the stream or the connection.</summary>
    Error,
}
