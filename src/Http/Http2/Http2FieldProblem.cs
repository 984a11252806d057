namespace FastProxy.Http.Http2;

/// <summary>
/// Why a request's field section is malformed (RFC 9113 §8.1.1): each one is a stream error of type PROTOCOL_ERROR,
/// answered before anything reaches the gate or an upstream.
/// </summary>
public enum Http2FieldProblem : byte
{
    None,

    /// <summary>Empty, uppercase, or not a token (RFC 9113 §8.2.1; HTTP/1.1's token rule so nothing unsafe is forwarded).</summary>
    InvalidName,

    /// <summary>CR, LF, NUL or another control byte, or leading/trailing SP/HTAB (RFC 9113 §8.2.1): the h2-to-h1 smuggling class.</summary>
    InvalidValue,

    /// <summary>Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade (RFC 9113 §8.2.2).</summary>
    ConnectionSpecificField,

    /// <summary>TE with a value other than "trailers" (RFC 9113 §8.2.2).</summary>
    TeNotTrailers,

    /// <summary>A pseudo-header a request may not carry (:status, :protocol without extended CONNECT, or unknown), RFC 9113 §8.3.</summary>
    UnknownPseudoHeader,

    /// <summary>A pseudo-header after a regular field (RFC 9113 §8.3: "MUST appear in a field block before all regular field lines").</summary>
    PseudoHeaderAfterRegular,

    /// <summary>The same pseudo-header twice (RFC 9113 §8.3.1: "MUST NOT include duplicated pseudo-header fields").</summary>
    DuplicatePseudoHeader,

    /// <summary>Any pseudo-header in trailers (RFC 9113 §8.1: "Trailers MUST NOT include pseudo-header fields").</summary>
    PseudoHeaderInTrailers,

    /// <summary>:method, :scheme or :path missing, or :authority missing on CONNECT (RFC 9113 §8.3.1, §8.5).</summary>
    MissingPseudoHeader,

    /// <summary>:path empty, or not starting with "/" (only OPTIONS may use "*"), RFC 9113 §8.3.1.</summary>
    InvalidPath,

    /// <summary>CONNECT with :scheme or :path (RFC 9113 §8.5: "MUST be omitted").</summary>
    ConnectWithSchemeOrPath,

    /// <summary>content-length not a decimal number, or two different values (RFC 9110 §8.6).</summary>
    InvalidContentLength,
}
