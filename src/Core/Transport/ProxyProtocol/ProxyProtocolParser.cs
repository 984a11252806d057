using System.Buffers;
using System.Buffers.Binary;
using System.Net;

namespace FastProxy.Core.Transport.ProxyProtocol;

/// <summary>
/// Parses the PROXY protocol header (versions 1 and 2, as HAProxy's specification defines them) that a load balancer
/// sends before the client's bytes. Strict: a listener that expects the header requires it (never guesses), every
/// field is checked, sizes are capped (v1: 107 bytes; v2: <see cref="MaxV2Length"/> bytes of addresses and TLVs), and
/// TLVs must exactly fill the declared length. Allocates only the two endpoints of a valid header.
/// </summary>
public static class ProxyProtocolParser
{
    /// <summary>v1's longest line: "PROXY TCP6 " + two full IPv6 addresses + two ports + CRLF.</summary>
    public const int MaxV1Length = 107;

    /// <summary>Bound on v2's address block and TLVs (the protocol allows 65,535; real balancers send a few hundred bytes).</summary>
    public const int MaxV2Length = 4096;

    private const int V2HeaderLength = 16;

    private static readonly SearchValues<byte> Ipv4Chars = SearchValues.Create("0123456789."u8);
    private static readonly SearchValues<byte> Ipv6Chars = SearchValues.Create("0123456789abcdefABCDEF:."u8);

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    /// <summary>
    /// Reads one header from the start of <paramref name="buffer"/>. On <see cref="ProxyProtocolParseResult.Complete"/>,
    /// <paramref name="consumed"/> is just past it; on <see cref="ProxyProtocolParseResult.Invalid"/>, <paramref name="error"/> says why.
    /// </summary>
    public static ProxyProtocolParseResult TryParse(in ReadOnlySequence<byte> buffer, out ProxyProtocolHeader header, out SequencePosition consumed, out string? error)
    {
        header = default;
        consumed = buffer.Start;
        error = null;
        Span<byte> start = stackalloc byte[V2HeaderLength];
        var available = (int)Math.Min(buffer.Length, V2HeaderLength);
        buffer.Slice(0, available).CopyTo(start);
        var head = start[..available];

        if (StartsWithPrefix(head, V2Signature, out var v2Possible))
        {
            return TryParseV2(buffer, head, out header, out consumed, out error);
        }

        if (StartsWithPrefix(head, V1Prefix, out var v1Possible))
        {
            return TryParseV1(buffer, out header, out consumed, out error);
        }

        if (v2Possible || v1Possible)
        {
            return ProxyProtocolParseResult.Incomplete;
        }

        error = "the connection did not start with a PROXY protocol header";
        return ProxyProtocolParseResult.Invalid;
    }

    /// <summary>Whether <paramref name="head"/> starts with <paramref name="prefix"/>; <paramref name="possible"/>: it is a shorter prefix of it.</summary>
    private static bool StartsWithPrefix(ReadOnlySpan<byte> head, ReadOnlySpan<byte> prefix, out bool possible)
    {
        var common = Math.Min(head.Length, prefix.Length);
        var matches = head[..common].SequenceEqual(prefix[..common]);
        possible = matches && head.Length < prefix.Length;
        return matches && head.Length >= prefix.Length;
    }

    private static ProxyProtocolParseResult TryParseV1(in ReadOnlySequence<byte> buffer, out ProxyProtocolHeader header, out SequencePosition consumed, out string? error)
    {
        header = default;
        consumed = buffer.Start;
        error = null;
        Span<byte> line = stackalloc byte[MaxV1Length];
        var available = (int)Math.Min(buffer.Length, MaxV1Length);
        buffer.Slice(0, available).CopyTo(line);
        var end = line[..available].IndexOf("\r\n"u8);
        if (end < 0)
        {
            if (available >= MaxV1Length || line[..available].Contains((byte)'\n'))
            {
                error = "a v1 header longer than 107 bytes or without CRLF";
                return ProxyProtocolParseResult.Invalid;
            }

            return ProxyProtocolParseResult.Incomplete;
        }

        var fields = line[V1Prefix.Length..end];
        consumed = buffer.GetPosition(end + 2);
        if (fields.StartsWith("UNKNOWN"u8) && (fields.Length == 7 || fields[7] == (byte)' '))
        {
            // The balancer could not tell (or will not say): the connection's own addresses stay.
            header = new ProxyProtocolHeader(1, null, null);
            return ProxyProtocolParseResult.Complete;
        }

        var family = fields.StartsWith("TCP4 "u8) ? 4 : fields.StartsWith("TCP6 "u8) ? 6 : 0;
        if (family == 0)
        {
            error = "a v1 header with a protocol other than TCP4, TCP6 or UNKNOWN";
            return ProxyProtocolParseResult.Invalid;
        }

        // Exactly four fields, each separated by one space: source, destination, source port, destination port.
        Span<Range> parts = stackalloc Range[4];
        ReadOnlySpan<byte> rest = fields[5..];
        if (!TrySplitFour(rest, parts))
        {
            error = "a v1 header without exactly four single-space-separated fields after the protocol";
            return ProxyProtocolParseResult.Invalid;
        }

        if (!TryParseAddress(rest[parts[0]], family, out var source) || !TryParseAddress(rest[parts[1]], family, out var destination)
            || !TryParsePort(rest[parts[2]], out var sourcePort) || !TryParsePort(rest[parts[3]], out var destinationPort))
        {
            error = "a v1 header with an address that does not match its protocol, or a bad port";
            return ProxyProtocolParseResult.Invalid;
        }

        header = new ProxyProtocolHeader(1, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
        return ProxyProtocolParseResult.Complete;
    }

    /// <summary>Splits into exactly four non-empty fields separated by single spaces.</summary>
    private static bool TrySplitFour(ReadOnlySpan<byte> text, Span<Range> parts)
    {
        var count = 0;
        foreach (var range in text.Split((byte)' '))
        {
            if (count == parts.Length || text[range].IsEmpty)
            {
                return false;
            }

            parts[count++] = range;
        }

        return count == parts.Length;
    }

    /// <summary>
    /// A dotted-quad IPv4 (TCP4) or an IPv6 literal (TCP6) as the specification writes them: none of the shorthand forms
    /// IPAddress.TryParse also takes ("127.1", hex, a scope id).
    /// </summary>
    private static bool TryParseAddress(ReadOnlySpan<byte> text, int family, out IPAddress address)
    {
        address = IPAddress.None;
        if (family == 4 ? text.Count((byte)'.') != 3 || text.ContainsAnyExcept(Ipv4Chars) : text.ContainsAnyExcept(Ipv6Chars))
        {
            return false;
        }

        Span<char> chars = stackalloc char[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            chars[i] = (char)text[i];
        }

        if (!IPAddress.TryParse(chars, out var parsed))
        {
            return false;
        }

        address = parsed;
        return parsed.AddressFamily == (family == 4 ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6);
    }

    /// <summary>A decimal port 0..65535, no sign and no leading zero.</summary>
    private static bool TryParsePort(ReadOnlySpan<byte> text, out int port)
    {
        port = 0;
        if (text.IsEmpty || text.Length > 5 || (text.Length > 1 && text[0] == (byte)'0'))
        {
            return false;
        }

        foreach (var digit in text)
        {
            if (digit is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            port = (port * 10) + (digit - '0');
        }

        return port <= 65535;
    }

    private static ProxyProtocolParseResult TryParseV2(in ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> head, out ProxyProtocolHeader header, out SequencePosition consumed, out string? error)
    {
        header = default;
        consumed = buffer.Start;
        error = null;
        if (head.Length < V2HeaderLength)
        {
            return ProxyProtocolParseResult.Incomplete;
        }

        var versionCommand = head[12];
        if (versionCommand >> 4 != 2 || (versionCommand & 0x0F) > 1)
        {
            error = "a v2 header with an unknown version or command";
            return ProxyProtocolParseResult.Invalid;
        }

        var local = (versionCommand & 0x0F) == 0;
        var family = head[13] >> 4;
        var transport = head[13] & 0x0F;
        var length = BinaryPrimitives.ReadUInt16BigEndian(head[14..]);
        if (length > MaxV2Length || family > 3 || transport > 2)
        {
            error = length > MaxV2Length ? $"a v2 header of {length} bytes (at most {MaxV2Length})" : "a v2 header with an unknown address family or transport";
            return ProxyProtocolParseResult.Invalid;
        }

        if (buffer.Length < V2HeaderLength + length)
        {
            return ProxyProtocolParseResult.Incomplete;
        }

        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(1, (int)length));
        try
        {
            var body = rented.AsSpan(0, length);
            buffer.Slice(V2HeaderLength, length).CopyTo(body);
            var addressLength = family switch { 1 => 12, 2 => 36, 3 => 216, _ => 0 };
            if (!local && body.Length < addressLength)
            {
                error = "a v2 header shorter than its address block";
                return ProxyProtocolParseResult.Invalid;
            }

            // UNSPEC: the block is opaque (the specification says to ignore it); otherwise TLVs follow the addresses.
            if (!local && family != 0 && !TlvsFill(body[addressLength..]))
            {
                error = "a v2 header whose TLVs do not fill its length";
                return ProxyProtocolParseResult.Invalid;
            }

            consumed = buffer.GetPosition(V2HeaderLength + length);

            // LOCAL (a health check of the balancer's own), UNSPEC and UNIX: the connection's own addresses stay
            // (the specification's rule for UNSPEC). A datagram transport cannot carry this stream.
            if (local || family is 0 or 3)
            {
                header = new ProxyProtocolHeader(2, null, null);
                return ProxyProtocolParseResult.Complete;
            }

            if (transport == 2)
            {
                error = "a v2 header for a datagram transport on a stream connection";
                return ProxyProtocolParseResult.Invalid;
            }

            var addressBytes = family == 1 ? 4 : 16;
            var source = new IPAddress(body[..addressBytes]);
            var destination = new IPAddress(body.Slice(addressBytes, addressBytes));
            var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(body[(2 * addressBytes)..]);
            var destinationPort = BinaryPrimitives.ReadUInt16BigEndian(body[((2 * addressBytes) + 2)..]);
            header = new ProxyProtocolHeader(2, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
            return ProxyProtocolParseResult.Complete;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Whether <paramref name="tlvs"/> is a whole number of type-length-value entries (none may run past the end).</summary>
    private static bool TlvsFill(ReadOnlySpan<byte> tlvs)
    {
        while (!tlvs.IsEmpty)
        {
            if (tlvs.Length < 3)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(tlvs[1..]);
            if (tlvs.Length < 3 + length)
            {
                return false;
            }

            tlvs = tlvs[(3 + length)..];
        }

        return true;
    }
}
