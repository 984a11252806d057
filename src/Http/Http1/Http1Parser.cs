using System.Buffers;
using System.Runtime.CompilerServices;

namespace FastProxy.Http.Http1;

/// <summary>
/// RFC 9112-strict, allocation-free HTTP/1.1 head parsers. Each call parses one head from the start of the buffer
/// and either completes (consumed = first byte after the blank line), asks for more bytes (nothing consumed; the
/// caller marks the whole buffer examined) or rejects the input. Limits are enforced even while incomplete, so a
/// peer cannot make the caller buffer more than <see cref="Http1Limits.MaxHeaderBytes"/>.
/// </summary>
/// <remarks>
/// Three phases: (1) find the end of the head across segments, checking every LF is preceded by CR and the
/// limits; (2) copy exactly the head into the head object's rented buffer; (3) parse the now contiguous bytes.
/// Phase 3 never sees a segment boundary, so split input gives the same result as contiguous input by construction.
/// </remarks>
public static partial class Http1Parser
{
    /// <summary>
    /// Parses one request head from the start of <paramref name="buffer"/>. After Incomplete, call again with the same
    /// bytes plus more (what a PipeReader gives after <c>AdvanceTo(start, end)</c>): the head remembers how far it
    /// scanned. To parse unrelated input after Incomplete, call <see cref="Http1RequestHead.Reset"/> first.
    /// After Error the head's contents are unspecified: answer <see cref="Http1ParseError.Status"/>, close, and Reset.
    /// </summary>
    public static Http1ParseStatus TryParseRequest(
        in ReadOnlySequence<byte> buffer,
        Http1RequestHead head,
        in Http1Limits limits,
        out SequencePosition consumed,
        out Http1ParseError error)
    {
        ArgumentNullException.ThrowIfNull(head);
        consumed = buffer.Start;
        error = default;

        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line (CRLF) received prior to the request-line.
        // We ignore exactly one (what a client may add after a POST body) and reject more: unbounded blank lines would
        // be a free way to hold a connection.
        var status = Scan(buffer, head.Buffer, allowLeadingEmptyLine: true, limits, out var scan);
        if (status != Http1ParseStatus.Complete)
        {
            error = status == Http1ParseStatus.Error ? Http1ParseError.ForRequest(scan.Error) : default;
            return status;
        }

        // The skipped leading line must really be CRLF (re-checked: the scan may have resumed from kept state).
        if (scan.HeadStart != 0 && !StartsWithCrLf(buffer))
        {
            error = Http1ParseError.ForRequest(Http1ErrorKind.MalformedHead);
            return Http1ParseStatus.Error;
        }

        var length = (int)(scan.HeadEnd - scan.HeadStart);
        var bytes = head.Buffer.Prepare(length);
        CopyHead(buffer, scan.HeadStart, bytes);
        head.Clear();
        head.HeadLength = length;

        var kind = ParseRequestHead(bytes, head, limits);
        if (kind != Http1ErrorKind.None)
        {
            error = Http1ParseError.ForRequest(kind);
            return Http1ParseStatus.Error;
        }

        consumed = buffer.GetPosition(scan.HeadEnd);
        return Http1ParseStatus.Complete;
    }

    /// <summary>
    /// Finds the head's end in <paramref name="buffer"/>, resuming the scan an Incomplete call left in <paramref name="headBuffer"/>
    /// (and leaving one there when it is Incomplete again).
    /// </summary>
    private static Http1ParseStatus Scan(in ReadOnlySequence<byte> buffer, Http1HeadBuffer headBuffer, bool allowLeadingEmptyLine, in Http1Limits limits, out HeadScanner scan)
    {
        var fresh = new HeadScanner(allowLeadingEmptyLine, limits.MaxRequestLineBytes, limits.MaxHeaderBytes, limits.MaxHeaderCount);
        scan = headBuffer.ResumeScan(fresh, buffer, out var from);
        var status = scan.Run(buffer, from);
        if (status == Http1ParseStatus.Incomplete)
        {
            headBuffer.SavePendingScan(scan, buffer);
        }
        else
        {
            headBuffer.ClearPendingScan();
        }

        return status;
    }

    /// <summary>
    /// Parses one upstream response head from the start of <paramref name="buffer"/>. <paramref name="requestMethod"/>
    /// decides framing for HEAD and CONNECT (RFC 9112 §6.3). Any malformed response is an Error with status 502.
    /// The Incomplete contract is the same as for <see cref="TryParseRequest"/>.
    /// </summary>
    public static Http1ParseStatus TryParseResponse(
        in ReadOnlySequence<byte> buffer,
        Http1ResponseHead head,
        Core.Gate.RequestMethod requestMethod,
        in Http1Limits limits,
        out SequencePosition consumed,
        out Http1ParseError error)
    {
        ArgumentNullException.ThrowIfNull(head);
        consumed = buffer.Start;
        error = default;

        // No leading empty line is tolerated in a response: bytes left over from a previous message mean the
        // framing of that message was wrong, and the connection must not be trusted (RFC 9112 §6.3).
        var status = Scan(buffer, head.Buffer, allowLeadingEmptyLine: false, limits, out var scan);
        if (status != Http1ParseStatus.Complete)
        {
            error = status == Http1ParseStatus.Error ? Http1ParseError.ForResponse(scan.Error) : default;
            return status;
        }

        var length = (int)(scan.HeadEnd - scan.HeadStart);
        var bytes = head.Buffer.Prepare(length);
        CopyHead(buffer, scan.HeadStart, bytes);
        head.Clear();
        head.HeadLength = length;

        var kind = ParseResponseHead(bytes, head, requestMethod, limits);
        if (kind != Http1ErrorKind.None)
        {
            error = Http1ParseError.ForResponse(kind);
            return Http1ParseStatus.Error;
        }

        consumed = buffer.GetPosition(scan.HeadEnd);
        return Http1ParseStatus.Complete;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool StartsWithCrLf(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> first = stackalloc byte[2];
        buffer.Slice(0, 2).CopyTo(first);
        return first[0] == Http1Chars.CR && first[1] == Http1Chars.LF;
    }

    private static void CopyHead(in ReadOnlySequence<byte> buffer, long start, Span<byte> destination)
    {
        if (buffer.IsSingleSegment)
        {
            buffer.FirstSpan.Slice((int)start, destination.Length).CopyTo(destination);
        }
        else
        {
            CopyHeadMultiSegment(buffer, start, destination);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CopyHeadMultiSegment(in ReadOnlySequence<byte> buffer, long start, Span<byte> destination)
        => buffer.Slice(start, destination.Length).CopyTo(destination);
}
