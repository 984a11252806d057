using System.Runtime.InteropServices;
using FastProxy.Http.Http1;

namespace FastProxy.Http.Http2;

/// <summary>
/// Checks a request's decoded fields one by one as HPACK hands them over, and the whole section at its end
/// (RFC 9113 §8.1-8.3, §8.5). It keeps only what the checks need (which pseudo-headers were seen, the method class,
/// content-length), so it copies nothing. Field values that pass are safe to write into an HTTP/1.1 head.
/// One per stream; <see cref="Reset"/> for reuse.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public struct Http2RequestValidator
{
    private const byte Colon = (byte)':';

    // "Seen" bits for the request pseudo-headers (CONVENTIONS.md §5).
    private const byte SeenMethod = 1 << 0;
    private const byte SeenScheme = 1 << 1;
    private const byte SeenAuthority = 1 << 2;
    private const byte SeenPath = 1 << 3;

    private byte _seen;
    private bool _regularSeen;
    private bool _trailers;
    private bool _isConnect;
    private bool _isOptions;
    private bool _pathIsAsterisk;

    public Http2RequestValidator()
    {
        ContentLength = -1;
    }

    /// <summary>The declared content-length, or -1 when none was sent; DATA must add up to it (RFC 9113 §8.1.1).</summary>
    public long ContentLength { get; private set; }

    public void Reset() => this = new Http2RequestValidator();

    /// <summary>Switches to checking a trailer section (a second HEADERS with END_STREAM).</summary>
    public void BeginTrailers()
    {
        _trailers = true;
        _regularSeen = false;
    }

    /// <summary>Checks one field as it is decoded.</summary>
    public Http2FieldProblem Check(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (!name.IsEmpty && name[0] == Colon)
        {
            return CheckPseudoHeader(name, value);
        }

        // RFC 9113 §8.2.1: no uppercase, no SP/CTL/DEL/non-ASCII in names; the token rule also refuses the rest of
        // what HTTP/1.1 could not carry. Uppercase "MUST" be malformed in HTTP/2.
        if (!IsLowercaseToken(name))
        {
            return Http2FieldProblem.InvalidName;
        }

        if (!IsSafeValue(value))
        {
            return Http2FieldProblem.InvalidValue;
        }

        _regularSeen = true;
        return CheckRegular(name, value);
    }

    /// <summary>Checks the section once its last field is decoded: required pseudo-headers (RFC 9113 §8.3.1, §8.5).</summary>
    public readonly Http2FieldProblem Complete()
    {
        if (_trailers)
        {
            return Http2FieldProblem.None;
        }

        if (_isConnect)
        {
            // RFC 9113 §8.5: ":scheme and :path pseudo-header fields MUST be omitted", ":authority ... MUST" be there.
            if ((_seen & (SeenScheme | SeenPath)) != 0)
            {
                return Http2FieldProblem.ConnectWithSchemeOrPath;
            }

            return (_seen & SeenAuthority) != 0 ? Http2FieldProblem.None : Http2FieldProblem.MissingPseudoHeader;
        }

        // RFC 9113 §8.3.1: "All HTTP/2 requests MUST include exactly one valid value for the :method, :scheme, and
        // :path pseudo-header fields, unless they are CONNECT requests".
        const byte required = SeenMethod | SeenScheme | SeenPath;
        if ((_seen & required) != required)
        {
            return Http2FieldProblem.MissingPseudoHeader;
        }

        // RFC 9113 §8.3.1: "*" only "for an OPTIONS request".
        return _pathIsAsterisk && !_isOptions ? Http2FieldProblem.InvalidPath : Http2FieldProblem.None;
    }

    private Http2FieldProblem CheckPseudoHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        // RFC 9113 §8.1: "Trailers MUST NOT include pseudo-header fields".
        if (_trailers)
        {
            return Http2FieldProblem.PseudoHeaderInTrailers;
        }

        // RFC 9113 §8.3: "All pseudo-header fields MUST appear in a field block before all regular field lines."
        if (_regularSeen)
        {
            return Http2FieldProblem.PseudoHeaderAfterRegular;
        }

        byte bit = name switch
        {
            _ when name.SequenceEqual(":method"u8) => SeenMethod,
            _ when name.SequenceEqual(":scheme"u8) => SeenScheme,
            _ when name.SequenceEqual(":authority"u8) => SeenAuthority,
            _ when name.SequenceEqual(":path"u8) => SeenPath,

            // RFC 9113 §8.3: "Endpoints MUST treat a request or response that contains undefined or invalid
            // pseudo-header fields as malformed." :status is a response field; :protocol needs RFC 8441, not offered.
            _ => 0,
        };

        if (bit == 0)
        {
            return Http2FieldProblem.UnknownPseudoHeader;
        }

        if ((_seen & bit) != 0)
        {
            return Http2FieldProblem.DuplicatePseudoHeader;
        }

        _seen |= bit;
        if (!IsSafeValue(value))
        {
            return Http2FieldProblem.InvalidValue;
        }

        switch (bit)
        {
            case SeenMethod:
                if (!IsToken(value))
                {
                    return Http2FieldProblem.InvalidValue;
                }

                _isConnect = value.SequenceEqual("CONNECT"u8);
                _isOptions = value.SequenceEqual("OPTIONS"u8);
                break;
            case SeenPath:
                // RFC 9113 §8.3.1: ":path ... MUST NOT be empty"; origin-form starts with "/", or it is "*".
                _pathIsAsterisk = value.SequenceEqual("*"u8);
                if (value.IsEmpty || (value[0] != (byte)'/' && !_pathIsAsterisk))
                {
                    return Http2FieldProblem.InvalidPath;
                }

                break;
            default:
                break;
        }

        return Http2FieldProblem.None;
    }

    private Http2FieldProblem CheckRegular(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        switch (name.Length)
        {
            case 2 when name.SequenceEqual("te"u8):
                // RFC 9113 §8.2.2: "The only exception to this is the TE header field, which MAY be present in an
                // HTTP/2 request; when it is, it MUST NOT contain any value other than "trailers"."
                return value.SequenceEqual("trailers"u8) ? Http2FieldProblem.None : Http2FieldProblem.TeNotTrailers;
            case 7 when name.SequenceEqual("upgrade"u8):
            case 10 when name.SequenceEqual("connection"u8) || name.SequenceEqual("keep-alive"u8):
            case 16 when name.SequenceEqual("proxy-connection"u8):
            case 17 when name.SequenceEqual("transfer-encoding"u8):
                // RFC 9113 §8.2.2: connection-specific fields "MUST" make the message malformed.
                return Http2FieldProblem.ConnectionSpecificField;
            case 14 when name.SequenceEqual("content-length"u8):
                return CheckContentLength(value);
            default:
                return Http2FieldProblem.None;
        }
    }

    private Http2FieldProblem CheckContentLength(ReadOnlySpan<byte> value)
    {
        // RFC 9110 §8.6: Content-Length = 1*DIGIT. 18 digits always fit a long.
        if (value.IsEmpty || value.Length > 18)
        {
            return Http2FieldProblem.InvalidContentLength;
        }

        long length = 0;
        foreach (var b in value)
        {
            var digit = (uint)(b - '0');
            if (digit > 9)
            {
                return Http2FieldProblem.InvalidContentLength;
            }

            length = (length * 10) + digit;
        }

        // Two different lengths are how request smuggling starts; equal repeats are harmless (RFC 9110 §8.6).
        if (ContentLength >= 0 && ContentLength != length)
        {
            return Http2FieldProblem.InvalidContentLength;
        }

        ContentLength = length;
        return Http2FieldProblem.None;
    }

    private static bool IsLowercaseToken(ReadOnlySpan<byte> name) =>
        !name.IsEmpty && name.IndexOfAnyExcept(Http1Chars.TChar) < 0 && name.IndexOfAnyInRange((byte)'A', (byte)'Z') < 0;

    private static bool IsToken(ReadOnlySpan<byte> value) => !value.IsEmpty && value.IndexOfAnyExcept(Http1Chars.TChar) < 0;

    /// <summary>
    /// RFC 9113 §8.2.1: no NUL, CR or LF anywhere, no SP/HTAB at either end. Other control bytes are refused too,
    /// as HTTP/1.1 refuses them (RFC 9110 §5.5), because these values may be written into an HTTP/1.1 upstream head.
    /// </summary>
    private static bool IsSafeValue(ReadOnlySpan<byte> value)
    {
        if (value.IndexOfAny(Http1Chars.InvalidFieldValue) >= 0)
        {
            return false;
        }

        return value.IsEmpty || (!IsWhitespace(value[0]) && !IsWhitespace(value[^1]));
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t';
}
