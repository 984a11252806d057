using System.Runtime.InteropServices;
using System.Text;

namespace FastProxy.Http.Http1;

/// <summary>What the field lines of one head said about framing, persistence and host, collected in one pass.</summary>
[StructLayout(LayoutKind.Auto)]
internal struct FieldState
{
    // RFC 9110 §8.6 allows any non-negative integer; 2^53 - 1 bounds it well below long overflow and keeps the value
    // exact for any peer that stores lengths in a double.
    private const long MaxContentLength = (1L << 53) - 1;

    // 16 decimal digits hold 2^53 - 1; longer runs (even with leading zeros) are refused before any arithmetic.
    private const int MaxContentLengthDigits = 16;

    private bool _chunkedSeen;
    private bool _otherCodingSeen;

    public FieldState()
    {
        HostIndex = -1;
        UpgradeIndex = -1;
    }

    /// <summary>Bit per <see cref="KnownHeader"/> seen.</summary>
    public ulong Seen { get; private set; }

    public int HostCount { get; private set; }

    public int HostIndex { get; private set; }

    public int TransferEncodingCount { get; private set; }

    /// <summary>Some transfer coding follows a "chunked" (RFC 9112 §6.3 rule 4: 400), which includes "chunked, chunked".</summary>
    public bool ChunkedNotFinal { get; private set; }

    /// <summary>The codings, over every Transfer-Encoding field, are exactly one "chunked".</summary>
    public readonly bool IsExactlyChunked => _chunkedSeen && !_otherCodingSeen && !ChunkedNotFinal;

    public int UpgradeIndex { get; private set; }

    public bool ContentLengthSeen { get; private set; }

    public long ContentLength { get; private set; }

    public bool ContentLengthList { get; private set; }

    public bool ExpectContinue { get; private set; }

    /// <summary>
    /// Records one field line, Connection options into <paramref name="options"/>; returns an error for an invalid
    /// Content-Length or Connection field.
    /// </summary>
    public Http1ErrorKind Observe(ReadOnlySpan<byte> head, in HeaderEntry entry, int index, ConnectionOptions options)
    {
        Seen |= 1UL << (int)entry.Known;
        switch (entry.Known)
        {
            case KnownHeader.Host:
                HostCount++;
                HostIndex = index;
                break;
            case KnownHeader.ContentLength:
                return ObserveContentLength(head.Slice(entry.ValueStart, entry.ValueLength));
            case KnownHeader.TransferEncoding:
                TransferEncodingCount++;
                ObserveTransferCodings(head.Slice(entry.ValueStart, entry.ValueLength));
                break;
            case KnownHeader.Connection:
                return options.Add(head, entry.ValueStart, entry.ValueLength);
            case KnownHeader.Expect:
                // RFC 9110 §10.1.1: the only expectation defined is "100-continue" (case-insensitive).
                ExpectContinue |= Ascii.EqualsIgnoreCase(head.Slice(entry.ValueStart, entry.ValueLength), "100-continue"u8);
                break;
            case KnownHeader.Upgrade:
                if (UpgradeIndex < 0)
                {
                    UpgradeIndex = index;
                }

                break;
        }

        return Http1ErrorKind.None;
    }

    /// <summary>
    /// RFC 9112 §6.1: Transfer-Encoding = #transfer-coding; several fields form one list in order. Tracks whether
    /// "chunked" is present, whether anything follows it, and whether any other coding (or an empty element) appears.
    /// </summary>
    private void ObserveTransferCodings(ReadOnlySpan<byte> value)
    {
        while (true)
        {
            var comma = value.IndexOf(Http1Chars.Comma);
            var coding = Http1Chars.TrimOws(comma < 0 ? value : value[..comma]);
            if (_chunkedSeen)
            {
                ChunkedNotFinal = true;
            }

            if (Ascii.EqualsIgnoreCase(coding, "chunked"u8))
            {
                _chunkedSeen = true;
            }
            else
            {
                _otherCodingSeen = true;
            }

            if (comma < 0)
            {
                return;
            }

            value = value[(comma + 1)..];
        }
    }

    /// <summary>
    /// RFC 9110 §8.6: Content-Length = 1*DIGIT. A list ("5, 5") or repeated fields are accepted only when every
    /// value is the same; differing values are a smuggling attempt (RFC 9112 §6.3 rule 5: unrecoverable error).
    /// </summary>
    private Http1ErrorKind ObserveContentLength(ReadOnlySpan<byte> value)
    {
        if (ContentLengthSeen)
        {
            ContentLengthList = true;
        }

        while (true)
        {
            var comma = value.IndexOf(Http1Chars.Comma);
            var item = Http1Chars.TrimOws(comma < 0 ? value : value[..comma]);
            if (!TryParseDecimal(item, out var length))
            {
                return Http1ErrorKind.InvalidContentLength;
            }

            if (ContentLengthSeen && length != ContentLength)
            {
                return Http1ErrorKind.ConflictingContentLength;
            }

            ContentLengthSeen = true;
            ContentLength = length;
            if (comma < 0)
            {
                return Http1ErrorKind.None;
            }

            ContentLengthList = true;
            value = value[(comma + 1)..];
        }
    }

    /// <summary>1*DIGIT, no sign, no whitespace, at most 2^53 - 1.</summary>
    private static bool TryParseDecimal(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > MaxContentLengthDigits)
        {
            return false;
        }

        foreach (var d in digits)
        {
            var digit = (uint)(d - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return value <= MaxContentLength;
    }
}
