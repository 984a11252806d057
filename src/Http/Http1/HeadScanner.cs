using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastProxy.Http.Http1;

/// <summary>
/// Phase 1 of <see cref="Http1Parser"/>: finds where a head ends (the empty line) across any number of segments
/// without copying, and enforces the size limits while doing so, even when the head is still incomplete.
/// Every LF must be preceded by CR (RFC 9112 §2.2 lets a recipient accept a bare LF; we do not: a proxy and its
/// upstream disagreeing on line ends is a request-smuggling vector, so strict is the only safe choice).
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct HeadScanner
{
    private readonly bool _allowLeadingEmptyLine;
    private readonly int _maxStartLine;
    private readonly int _maxHead;
    private readonly int _maxFields;

    private long _lineStart;
    private int _lines;
    private byte _previous;

    public HeadScanner(bool allowLeadingEmptyLine, int maxStartLine, int maxHead, int maxFields)
    {
        _allowLeadingEmptyLine = allowLeadingEmptyLine;
        _maxStartLine = maxStartLine;
        _maxHead = maxHead;
        _maxFields = maxFields;
    }

    /// <summary>Offset of the head's first byte (2 when one leading CRLF was skipped).</summary>
    public long HeadStart { get; private set; }

    /// <summary>Offset of the first byte after the blank line.</summary>
    public long HeadEnd { get; private set; }

    public Http1ErrorKind Error { get; private set; }

    /// <summary>
    /// Scans <paramref name="buffer"/> from <paramref name="from"/>: 0 for a fresh scan, or the length of the buffer an
    /// earlier call on this scanner returned Incomplete for (the same bytes plus more, as a PipeReader delivers them).
    /// Resuming keeps a peer trickling a head byte by byte from costing a rescan of everything on each read.
    /// </summary>
    public Http1ParseStatus Run(in ReadOnlySequence<byte> buffer, long from)
    {
        if (buffer.IsSingleSegment)
        {
            var status = Scan(buffer.FirstSpan[(int)from..], from);
            return status == Http1ParseStatus.Incomplete ? Finish(buffer.Length) : status;
        }

        return RunMultiSegment(buffer, from);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Http1ParseStatus RunMultiSegment(in ReadOnlySequence<byte> buffer, long from)
    {
        var offset = from;
        foreach (var segment in buffer.Slice(from))
        {
            var status = Scan(segment.Span, offset);
            if (status != Http1ParseStatus.Incomplete)
            {
                return status;
            }

            offset += segment.Length;
            if (offset >= HeadStart + _maxHead)
            {
                break;
            }
        }

        return Finish(buffer.Length);
    }

    /// <summary>Scans one segment that starts at absolute <paramref name="offset"/>.</summary>
    private Http1ParseStatus Scan(ReadOnlySpan<byte> span, long offset)
    {
        var i = 0;
        while (true)
        {
            // Never look further than the largest head allowed: a 1 MiB segment of body bytes after a short head,
            // or a hostile stream without line ends, is not scanned past the limit.
            var window = HeadStart + _maxHead - offset;
            var end = window < span.Length ? (int)Math.Max(window, 0) : span.Length;
            if (i >= end)
            {
                break;
            }

            var found = span[i..end].IndexOf(Http1Chars.LF);
            if (found < 0)
            {
                break;
            }

            var lf = i + found;
            var position = offset + lf;
            var before = lf > 0 ? span[lf - 1] : _previous;

            // RFC 9112 §2.2: lines end with CRLF; a bare LF is rejected (see the type comment).
            if (position == 0 || before != Http1Chars.CR)
            {
                return Fail(Http1ErrorKind.BareLF);
            }

            var contentLength = position - 1 - _lineStart;
            if (_lines == 0)
            {
                if (contentLength == 0)
                {
                    // RFC 9112 §2.2: one empty line before the request-line may be ignored.
                    if (_allowLeadingEmptyLine && _lineStart == 0)
                    {
                        HeadStart = position + 1;
                        _lineStart = position + 1;
                        i = lf + 1;
                        continue;
                    }

                    return Fail(_allowLeadingEmptyLine ? Http1ErrorKind.LeadingEmptyLines : Http1ErrorKind.InvalidStatusLine);
                }

                // RFC 9112 §3: a server receiving a request-line longer than it wishes to parse responds 414.
                if (contentLength > _maxStartLine)
                {
                    return Fail(Http1ErrorKind.RequestLineTooLong);
                }
            }
            else if (contentLength == 0)
            {
                HeadEnd = position + 1;
                return Http1ParseStatus.Complete;
            }
            else if (_lines > _maxFields)
            {
                // _lines counts the start line, so this is field number _maxFields + 1 (RFC 6585 §5: 431).
                return Fail(Http1ErrorKind.TooManyHeaders);
            }

            _lines++;
            _lineStart = position + 1;
            i = lf + 1;
        }

        if (span.Length > 0)
        {
            _previous = span[^1];
        }

        return Http1ParseStatus.Incomplete;
    }

    /// <summary>No end found in the scanned bytes: decide between "send more" and "over a limit".</summary>
    private Http1ParseStatus Finish(long available)
    {
        // RFC 9112 §3: the partial start line already holds more than the limit (one byte of slack for a trailing CR).
        if (_lines == 0 && available - _lineStart > _maxStartLine + 1L)
        {
            return Fail(Http1ErrorKind.RequestLineTooLong);
        }

        // RFC 6585 §5: the whole allowed window holds no end of head.
        if (available - HeadStart >= _maxHead)
        {
            return Fail(Http1ErrorKind.HeadersTooLarge);
        }

        return Http1ParseStatus.Incomplete;
    }

    private Http1ParseStatus Fail(Http1ErrorKind kind)
    {
        Error = kind;
        return Http1ParseStatus.Error;
    }
}
