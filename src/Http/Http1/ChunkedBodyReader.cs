using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastProxy.Http.Http1;

/// <summary>
/// Validates a chunked body (RFC 9112 §7.1) for pass-through forwarding: the forwarder sends the validated bytes
/// verbatim, so the next hop sees exactly the framing this reader accepted. Chunk data is released as it arrives;
/// a chunk-size line, the CRLF after data and each trailer line are released only once complete. Each call's input
/// must start where the previous call's validated bytes ended.
/// <para>
/// A reader made with <c>dropTrailers</c> still validates and bounds the trailer section but leaves it out of the
/// bytes to forward: the forwarder sends the body up to the last-chunk and, once done, <see cref="EmptyTrailerSection"/>
/// (request trailers could otherwise carry identity fields the proxy strips from heads to an upstream that merges
/// trailers into its headers, RFC 9110 §6.5.2).
/// </para>
/// </summary>
[StructLayout(LayoutKind.Auto)]
public struct ChunkedBodyReader
{
    // 15 hex digits hold up to 2^60 - 1: far above any body limit, and no arithmetic can overflow a long.
    private const int MaxChunkSizeDigits = 15;

    // A multi-segment line up to this size is copied to the stack; longer ones (up to the configured limit) to a pooled array.
    private const int StackLineBytes = 256;

    private readonly long _maxBodyBytes;
    private readonly int _maxChunkLineBytes;
    private readonly int _maxTrailerBytes;
    private readonly int _maxTrailerFields;
    private readonly bool _dropTrailers;
    private readonly bool _decodes;
    private ChunkedState _state;
    private long _remaining;
    private int _trailerBytes;
    private int _trailerFields;
    private Http1ErrorKind _error;
    private ChunkedPiece _piece;

    /// <param name="maxBodyBytes">Most payload bytes (chunk data) accepted; over it the body fails with <see cref="Http1ErrorKind.BodyTooLarge"/>.</param>
    /// <param name="limits">Line and trailer caps; the trailer section holds at most <see cref="Http1Limits.MaxHeaderCount"/> fields.</param>
    /// <param name="dropTrailers">Validate the trailer section but leave it out of the bytes to forward (see the type's remarks).</param>
    public ChunkedBodyReader(long maxBodyBytes, in Http1Limits limits, bool dropTrailers = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBodyBytes);
        _maxBodyBytes = maxBodyBytes;
        _maxChunkLineBytes = limits.MaxChunkLineBytes;
        _maxTrailerBytes = limits.MaxTrailerBytes;
        _maxTrailerFields = limits.MaxHeaderCount;
        _dropTrailers = dropTrailers;
    }

    /// <summary>
    /// A reader that de-chunks, for a next hop that frames the payload itself (an HTTP/2 client: DATA frames and a
    /// trailing HEADERS): <see cref="Decode"/> hands out the chunk data and trailer field lines one piece at a time,
    /// validated exactly as <see cref="Advance(in ReadOnlySequence{byte}, out long, out Http1ErrorKind)"/> validates them.
    /// </summary>
    public static ChunkedBodyReader ForDecoding(long maxBodyBytes, in Http1Limits limits) => new(maxBodyBytes, limits, dropTrailers: false, decodes: true);

    private ChunkedBodyReader(long maxBodyBytes, in Http1Limits limits, bool dropTrailers, bool decodes)
        : this(maxBodyBytes, limits, dropTrailers)
    {
        _decodes = decodes;
    }

    /// <summary>
    /// RFC 9112 §7.1: the empty line that ends a trailer section with no fields. A reader that drops trailers never
    /// releases the body's final CRLF for forwarding; the forwarder writes this once the body is done.
    /// </summary>
    public static ReadOnlySpan<byte> EmptyTrailerSection => "\r\n"u8;

    /// <summary>Payload bytes seen so far (chunk data only, without framing).</summary>
    public long BodyBytes { get; private set; }

    /// <summary>True once the whole body, trailer section included, was validated.</summary>
    public readonly bool IsDone => _state == ChunkedState.Done;

    /// <summary>
    /// Examines <paramref name="input"/>. <paramref name="validBytes"/> leading bytes are valid framing or data and may be
    /// forwarded now. <see cref="ChunkedStatus.Done"/>: the body ends exactly after them. For a reader that drops
    /// trailers use the overload that also says which bytes to forward.
    /// </summary>
    public ChunkedStatus Advance(in ReadOnlySequence<byte> input, out long validBytes, out Http1ErrorKind error)
        => Advance(input, out validBytes, out _, out error);

    /// <summary>
    /// Examines <paramref name="input"/>. <paramref name="validBytes"/> leading bytes are valid and consumed; the first
    /// <paramref name="forwardBytes"/> of them may be forwarded now. The two differ only for a reader that drops
    /// trailers: there the trailer section (its final CRLF included) is consumed but never forwarded, and on
    /// <see cref="ChunkedStatus.Done"/> the forwarder ends the body with <see cref="EmptyTrailerSection"/>.
    /// </summary>
    public ChunkedStatus Advance(in ReadOnlySequence<byte> input, out long validBytes, out long forwardBytes, out Http1ErrorKind error)
    {
        // Where the dropped trailer section starts in this input: at once if a previous call reached it.
        var trailerStart = _dropTrailers && _state is ChunkedState.Trailer or ChunkedState.Done ? 0 : long.MaxValue;
        var status = Validate(input, out validBytes, out error, ref trailerStart);
        forwardBytes = Math.Min(validBytes, trailerStart);
        return status;
    }

    /// <summary>
    /// For a reader made by <see cref="ForDecoding"/>: validates <paramref name="input"/> up to the next piece of the
    /// body. <paramref name="consumed"/> leading bytes are done with; <paramref name="piece"/> (relative to
    /// <paramref name="input"/>, inside the consumed bytes) is chunk data or one trailer field line (without its CRLF),
    /// or <see cref="ChunkedPieceKind.None"/> when more input is needed (or at <see cref="ChunkedStatus.Done"/>).
    /// Call again with the input after <paramref name="consumed"/> until it yields no piece.
    /// </summary>
    public ChunkedStatus Decode(in ReadOnlySequence<byte> input, out long consumed, out ChunkedPiece piece, out Http1ErrorKind error)
    {
        if (!_decodes)
        {
            throw new InvalidOperationException("this reader validates for pass-through; make one with ForDecoding to de-chunk");
        }

        _piece = default;
        var trailerStart = long.MaxValue;
        var status = Validate(input, out consumed, out error, ref trailerStart);
        piece = _piece;
        return status;
    }

    private ChunkedStatus Validate(in ReadOnlySequence<byte> input, out long validBytes, out Http1ErrorKind error, ref long trailerStart)
    {
        validBytes = 0;
        error = Http1ErrorKind.None;
        if (_state == ChunkedState.Done)
        {
            return ChunkedStatus.Done;
        }

        if (_state == ChunkedState.Error)
        {
            error = _error;
            return ChunkedStatus.Error;
        }

        long position = 0;
        var length = input.Length;
        while (true)
        {
            switch (_state)
            {
                case ChunkedState.ChunkSize:
                {
                    var line = FindLine(input, position, _maxChunkLineBytes + 2L, out var lineTotal);
                    if (lineTotal < 0)
                    {
                        // RFC 9112 §7.1: no line end within the limit (content plus CRLF) is a framing error.
                        if (length - position >= _maxChunkLineBytes + 2L)
                        {
                            return Fail(Http1ErrorKind.ChunkLineTooLong, position, out validBytes, out error);
                        }

                        validBytes = position;
                        return ChunkedStatus.NeedMore;
                    }

                    var kind = line.IsSingleSegment ? ParseSizeLine(line.FirstSpan, out var size) : ParseSizeLineMultiSegment(line, out size);
                    if (kind == Http1ErrorKind.None && size > _maxBodyBytes - BodyBytes)
                    {
                        kind = Http1ErrorKind.BodyTooLarge;
                    }

                    if (kind != Http1ErrorKind.None)
                    {
                        return Fail(kind, position, out validBytes, out error);
                    }

                    position += lineTotal;
                    if (size == 0)
                    {
                        // RFC 9112 §7.1: last-chunk, then the trailer section and the final CRLF.
                        _state = ChunkedState.Trailer;
                        if (_dropTrailers)
                        {
                            trailerStart = position;
                        }
                    }
                    else
                    {
                        _remaining = size;
                        _state = ChunkedState.Data;
                    }

                    break;
                }

                case ChunkedState.Data:
                {
                    var take = Math.Min(length - position, _remaining);
                    position += take;
                    BodyBytes += take;
                    _remaining -= take;
                    if (_decodes && take > 0)
                    {
                        // One piece per call: the caller writes it out before the next is validated.
                        _piece = new ChunkedPiece(ChunkedPieceKind.Data, position - take, take);
                        if (_remaining == 0)
                        {
                            _state = ChunkedState.DataCrlf;
                        }

                        validBytes = position;
                        return ChunkedStatus.NeedMore;
                    }

                    if (_remaining > 0)
                    {
                        validBytes = position;
                        return ChunkedStatus.NeedMore;
                    }

                    _state = ChunkedState.DataCrlf;
                    break;
                }

                case ChunkedState.DataCrlf:
                {
                    // RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF. Exactly CRLF, nothing else.
                    var available = length - position;
                    if (available == 0)
                    {
                        validBytes = position;
                        return ChunkedStatus.NeedMore;
                    }

                    var rest = input.Slice(position);
                    var first = rest.FirstSpan[0];
                    if (first != Http1Chars.CR)
                    {
                        return Fail(first == Http1Chars.LF ? Http1ErrorKind.BareLF : Http1ErrorKind.InvalidChunkTerminator, position, out validBytes, out error);
                    }

                    if (available == 1)
                    {
                        validBytes = position;
                        return ChunkedStatus.NeedMore;
                    }

                    if (SecondByte(rest) != Http1Chars.LF)
                    {
                        return Fail(Http1ErrorKind.BareCR, position, out validBytes, out error);
                    }

                    position += 2;
                    _state = ChunkedState.ChunkSize;
                    break;
                }

                case ChunkedState.Trailer:
                {
                    var allowance = (long)_maxTrailerBytes - _trailerBytes;
                    var line = FindLine(input, position, allowance, out var lineTotal);
                    if (lineTotal < 0)
                    {
                        if (length - position >= allowance)
                        {
                            return Fail(Http1ErrorKind.TrailerTooLarge, position, out validBytes, out error);
                        }

                        validBytes = position;
                        return ChunkedStatus.NeedMore;
                    }

                    var kind = line.IsSingleSegment ? ParseTrailerLine(line.FirstSpan) : ParseTrailerLineMultiSegment(line);
                    if (kind != Http1ErrorKind.None)
                    {
                        return Fail(kind, position, out validBytes, out error);
                    }

                    if (lineTotal == 2)
                    {
                        _state = ChunkedState.Done;
                        validBytes = position + lineTotal;
                        return ChunkedStatus.Done;
                    }

                    // The byte cap alone would let through some 2,000 minimal fields: a trailer section gets the head's field cap.
                    if (++_trailerFields > _maxTrailerFields)
                    {
                        return Fail(Http1ErrorKind.TrailerTooLarge, position, out validBytes, out error);
                    }

                    position += lineTotal;
                    _trailerBytes += (int)lineTotal;
                    if (_decodes)
                    {
                        _piece = new ChunkedPiece(ChunkedPieceKind.TrailerField, position - lineTotal, lineTotal - 2);
                        validBytes = position;
                        return ChunkedStatus.NeedMore;
                    }

                    break;
                }
            }
        }
    }

    /// <summary>
    /// Finds the next LF within <paramref name="window"/> bytes from <paramref name="start"/>. Returns the line before
    /// the LF (still holding its CR) and sets <paramref name="lineTotal"/> to its length including the LF, or -1.
    /// </summary>
    private static ReadOnlySequence<byte> FindLine(in ReadOnlySequence<byte> input, long start, long window, out long lineTotal)
    {
        var rest = input.Slice(start);
        if (rest.Length > window)
        {
            rest = rest.Slice(0, window);
        }

        if (rest.IsSingleSegment)
        {
            var lf = rest.FirstSpan.IndexOf(Http1Chars.LF);
            lineTotal = lf < 0 ? -1 : lf + 1;
            return lf < 0 ? default : rest.Slice(0, lf);
        }

        var position = rest.PositionOf(Http1Chars.LF);
        if (position is null)
        {
            lineTotal = -1;
            return default;
        }

        var line = rest.Slice(0, position.Value);
        lineTotal = line.Length + 1;
        return line;
    }

    private static byte SecondByte(in ReadOnlySequence<byte> rest)
    {
        var first = rest.FirstSpan;
        return first.Length > 1 ? first[1] : rest.Slice(1).FirstSpan[0];
    }

    /// <summary>
    /// RFC 9112 §7.1: chunk-size [ chunk-ext ] CRLF, with chunk-size = 1*HEXDIG and
    /// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ). Strict: no whitespace anywhere
    /// (BWS is for tolerant recipients; differing tolerance between hops is a smuggling vector), no sign, no "0x".
    /// </summary>
    private static Http1ErrorKind ParseSizeLine(ReadOnlySpan<byte> line, out long size)
    {
        size = 0;

        // RFC 9112 §2.2: the line must end in CRLF; a bare LF is refused.
        if (line.IsEmpty || line[^1] != Http1Chars.CR)
        {
            return Http1ErrorKind.BareLF;
        }

        var content = line[..^1];
        var digits = 0;
        while (digits < content.Length)
        {
            var value = Http1Chars.HexValue(content[digits]);
            if (value < 0)
            {
                break;
            }

            if (++digits > MaxChunkSizeDigits)
            {
                return Http1ErrorKind.InvalidChunkSize;
            }

            size = (size << 4) | (uint)value;
        }

        if (digits == 0)
        {
            return content.Contains(Http1Chars.CR) ? Http1ErrorKind.BareCR : Http1ErrorKind.InvalidChunkSize;
        }

        var extensions = content[digits..];
        if (extensions.IsEmpty)
        {
            return Http1ErrorKind.None;
        }

        if (extensions[0] != Http1Chars.Semicolon)
        {
            return extensions.Contains(Http1Chars.CR) ? Http1ErrorKind.BareCR : Http1ErrorKind.InvalidChunkSize;
        }

        return ParseExtensions(extensions);
    }

    /// <summary>*( ";" token [ "=" ( token / quoted-string ) ] ), nothing else (RFC 9112 §7.1.1).</summary>
    private static Http1ErrorKind ParseExtensions(ReadOnlySpan<byte> extensions)
    {
        while (!extensions.IsEmpty)
        {
            if (extensions[0] != Http1Chars.Semicolon)
            {
                return Http1ErrorKind.InvalidChunkExtension;
            }

            extensions = extensions[1..];
            var nameLength = extensions.IndexOfAnyExcept(Http1Chars.TChar);
            if (nameLength < 0)
            {
                nameLength = extensions.Length;
            }

            if (nameLength == 0)
            {
                return Http1ErrorKind.InvalidChunkExtension;
            }

            extensions = extensions[nameLength..];
            if (extensions.IsEmpty || extensions[0] == Http1Chars.Semicolon)
            {
                continue;
            }

            if (extensions[0] != Http1Chars.EqualsSign || extensions.Length == 1)
            {
                return Http1ErrorKind.InvalidChunkExtension;
            }

            extensions = extensions[1..];
            int valueLength;
            if (extensions[0] == Http1Chars.DQuote)
            {
                valueLength = QuotedStringLength(extensions);
            }
            else
            {
                valueLength = extensions.IndexOfAnyExcept(Http1Chars.TChar);
                if (valueLength < 0)
                {
                    valueLength = extensions.Length;
                }
            }

            if (valueLength <= 0)
            {
                return Http1ErrorKind.InvalidChunkExtension;
            }

            extensions = extensions[valueLength..];
        }

        return Http1ErrorKind.None;
    }

    /// <summary>
    /// RFC 9110 §5.6.4: quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE; quoted-pair = "\" ( HTAB / SP / VCHAR
    /// / obs-text ). Returns the length including both quotes, or -1.
    /// </summary>
    private static int QuotedStringLength(ReadOnlySpan<byte> s)
    {
        var i = 1;
        while (true)
        {
            var stop = s[i..].IndexOfAny(Http1Chars.QdTextStop);
            if (stop < 0)
            {
                return -1;
            }

            i += stop;
            if (s[i] == Http1Chars.DQuote)
            {
                return i + 1;
            }

            if (s[i] != Http1Chars.Backslash || i + 1 >= s.Length)
            {
                return -1;
            }

            var escaped = s[i + 1];
            if (escaped != Http1Chars.HTab && (escaped < 0x20 || escaped == 0x7F))
            {
                return -1;
            }

            i += 2;
        }
    }

    /// <summary>RFC 9112 §7.1.2: trailer fields follow the field-line grammar; the empty line ends the section.</summary>
    private static Http1ErrorKind ParseTrailerLine(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty || line[^1] != Http1Chars.CR)
        {
            return Http1ErrorKind.BareLF;
        }

        var content = line[..^1];
        return content.IsEmpty ? Http1ErrorKind.None : Http1Parser.ParseFieldLine(content, 0, out _);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Http1ErrorKind ParseSizeLineMultiSegment(in ReadOnlySequence<byte> line, out long size)
    {
        var length = (int)line.Length;
        byte[]? rented = null;
        var scratch = length <= StackLineBytes ? stackalloc byte[StackLineBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            line.CopyTo(scratch);
            return ParseSizeLine(scratch[..length], out size);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Http1ErrorKind ParseTrailerLineMultiSegment(in ReadOnlySequence<byte> line)
    {
        var length = (int)line.Length;
        byte[]? rented = null;
        var scratch = length <= StackLineBytes ? stackalloc byte[StackLineBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            line.CopyTo(scratch);
            return ParseTrailerLine(scratch[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private ChunkedStatus Fail(Http1ErrorKind kind, long position, out long validBytes, out Http1ErrorKind error)
    {
        _state = ChunkedState.Error;
        _error = kind;
        validBytes = position;
        error = kind;
        return ChunkedStatus.Error;
    }
}
