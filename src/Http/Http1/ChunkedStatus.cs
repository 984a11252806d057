namespace FastProxy.Http.Http1;

/// <summary>Outcome of <see cref="ChunkedBodyReader"/>'s Advance.</summary>
public enum ChunkedStatus : byte
{
    /// <summary>The validated bytes may be forwarded; more input is needed to finish the body.</summary>
    NeedMore,

    /// <summary>The last chunk and the trailer section were validated; the body ends exactly after the validated bytes.</summary>
    Done,

    /// <summary>Bad framing or a body over its limit; the connection must be closed.</summary>
    Error,
}
