namespace FastProxy.Http.Semantics;

/// <summary>Why <see cref="RequestTarget.CheckPath"/> refused a path; each protocol maps it to its own error.</summary>
public enum PathProblem : byte
{
    None = 0,

    /// <summary>A byte no request-target may hold (only from <see cref="RequestTarget.CheckOriginForm"/>).</summary>
    InvalidCharacter,

    /// <summary>Does not start with '/' (RFC 9112 §3.2.1, RFC 9113 §8.3.1: absolute-path).</summary>
    NotAbsolute,

    /// <summary>"//": many servers merge slashes.</summary>
    EmptySegment,

    /// <summary>';' path parameters: servlet containers strip them.</summary>
    Parameter,

    /// <summary>'\': some servers read it as '/'.</summary>
    Backslash,

    /// <summary>"." or ".." segments (RFC 3986 §5.2.4 removes them).</summary>
    DotSegment,

    /// <summary>'%' not followed by two hex digits (RFC 3986 §2.1).</summary>
    BadEscape,

    /// <summary>Encoded '/', '\' or NUL.</summary>
    EncodedSeparator,

    /// <summary>Encoded letter, digit or "-._~" (RFC 3986 §6.2.2.2: equivalent to the plain character).</summary>
    EncodedUnreserved,

    /// <summary>"%25" followed by two hex digits: decoded twice by some stacks.</summary>
    DoubleEncoded,
}
