using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;
using FastProxy.Core.Transport.ProxyProtocol;

namespace FastProxy.Core.Tests.Transport.ProxyProtocol;

public sealed class ProxyProtocolParserTests
{
    private static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    [Fact]
    public void V1_Tcp4_NamesTheClientAndLeavesTheRestUnread()
    {
        var bytes = Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.7 192.0.2.1 56324 443\r\nGET / HTTP/1.1\r\n");

        var result = Parse(bytes, out var header, out var consumed, out _);

        Assert.Equal(ProxyProtocolParseResult.Complete, result);
        Assert.Equal(1, header.Version);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 56324), header.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 443), header.Destination);
        Assert.Equal("PROXY TCP4 203.0.113.7 192.0.2.1 56324 443\r\n".Length, consumed);
    }

    [Fact]
    public void V1_Tcp6_NamesTheClient()
    {
        var result = Parse(Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::7 2001:db8::1 1 65535\r\n"), out var header, out _, out _);

        Assert.Equal(ProxyProtocolParseResult.Complete, result);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 1), header.Source);
    }

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n")]
    public void V1_Unknown_NamesNoClient(string line)
    {
        var result = Parse(Encoding.ASCII.GetBytes(line), out var header, out _, out _);

        Assert.Equal(ProxyProtocolParseResult.Complete, result);
        Assert.True(header.IsLocal);
    }

    [Theory]
    [InlineData("PROXY TCP4 203.0.113.7 192.0.2.1 56324\r\n")] // three fields
    [InlineData("PROXY TCP4 203.0.113.7 192.0.2.1 56324 443 9\r\n")] // five fields
    [InlineData("PROXY TCP4 203.0.113.7  192.0.2.1 56324 443\r\n")] // two spaces
    [InlineData("PROXY TCP4 2001:db8::7 192.0.2.1 56324 443\r\n")] // IPv6 under TCP4
    [InlineData("PROXY TCP6 203.0.113.7 2001:db8::1 56324 443\r\n")] // IPv4 under TCP6
    [InlineData("PROXY TCP4 127.1 192.0.2.1 56324 443\r\n")] // shorthand IPv4
    [InlineData("PROXY TCP4 203.0.113.7 192.0.2.1 65536 443\r\n")] // port out of range
    [InlineData("PROXY TCP4 203.0.113.7 192.0.2.1 0443 443\r\n")] // leading zero
    [InlineData("PROXY TCP4 203.0.113.7 192.0.2.1 -1 443\r\n")] // sign
    [InlineData("PROXY UDP4 203.0.113.7 192.0.2.1 1 2\r\n")] // protocol
    [InlineData("PROXY TCP4 203.0.113.7 192.0.2.1 1 2\n")] // bare LF
    [InlineData("GET / HTTP/1.1\r\n\r\n")] // no header at all
    [InlineData("\x16\x03\x01\x02\x00")] // TLS without the header
    public void V1_Malformed_Invalid(string text)
    {
        var result = Parse(Encoding.Latin1.GetBytes(text), out _, out _, out var error);

        Assert.Equal(ProxyProtocolParseResult.Invalid, result);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void V1_NoCrlfWithin107Bytes_Invalid()
    {
        var text = "PROXY TCP6 " + new string('1', 120);

        Assert.Equal(ProxyProtocolParseResult.Invalid, Parse(Encoding.ASCII.GetBytes(text), out _, out _, out _));
    }

    [Fact]
    public void V1_EveryPrefixOfAValidHeader_Incomplete()
    {
        var bytes = Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.7 192.0.2.1 56324 443\r\n");
        for (var length = 1; length < bytes.Length; length++)
        {
            Assert.Equal(ProxyProtocolParseResult.Incomplete, Parse(bytes[..length], out _, out _, out _));
        }
    }

    [Fact]
    public void V2_ProxyInet_NamesTheClientAndSkipsTlvs()
    {
        byte[] tlv = [0x02, 0x00, 0x03, (byte)'a', (byte)'p', (byte)'i']; // PP2_TYPE_AUTHORITY "api"
        var bytes = V2(0x21, 0x11, Inet("203.0.113.7", "192.0.2.1", 56324, 443), tlv, trailing: "GET"u8.ToArray());

        var result = Parse(bytes, out var header, out var consumed, out _);

        Assert.Equal(ProxyProtocolParseResult.Complete, result);
        Assert.Equal(2, header.Version);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 56324), header.Source);
        Assert.Equal(bytes.Length - 3, consumed);
    }

    [Fact]
    public void V2_ProxyInet6_NamesTheClient()
    {
        var address = new byte[36];
        IPAddress.Parse("2001:db8::7").GetAddressBytes().CopyTo(address, 0);
        IPAddress.Parse("2001:db8::1").GetAddressBytes().CopyTo(address, 16);
        BinaryPrimitives.WriteUInt16BigEndian(address.AsSpan(32), 1234);
        BinaryPrimitives.WriteUInt16BigEndian(address.AsSpan(34), 443);

        var result = Parse(V2(0x21, 0x21, address), out var header, out _, out _);

        Assert.Equal(ProxyProtocolParseResult.Complete, result);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 1234), header.Source);
    }

    [Theory]
    [InlineData(0x20, 0x11)] // LOCAL (a health check): addresses ignored
    [InlineData(0x21, 0x00)] // PROXY with UNSPEC family
    public void V2_LocalOrUnspec_NamesNoClient(byte versionCommand, byte family)
    {
        var result = Parse(V2(versionCommand, family, Inet("203.0.113.7", "192.0.2.1", 1, 2)), out var header, out _, out _);

        Assert.Equal(ProxyProtocolParseResult.Complete, result);
        Assert.True(header.IsLocal);
    }

    [Theory]
    [InlineData(0x31, 0x11)] // version 3
    [InlineData(0x22, 0x11)] // unknown command
    [InlineData(0x21, 0x41)] // unknown family
    [InlineData(0x21, 0x12)] // datagram
    public void V2_UnknownFields_Invalid(byte versionCommand, byte family)
    {
        Assert.Equal(ProxyProtocolParseResult.Invalid, Parse(V2(versionCommand, family, Inet("203.0.113.7", "192.0.2.1", 1, 2)), out _, out _, out _));
    }

    [Fact]
    public void V2_TlvRunningPastTheLength_Invalid()
    {
        byte[] tlv = [0x02, 0x00, 0x09, (byte)'a'];

        Assert.Equal(ProxyProtocolParseResult.Invalid, Parse(V2(0x21, 0x11, Inet("203.0.113.7", "192.0.2.1", 1, 2), tlv), out _, out _, out _));
    }

    [Fact]
    public void V2_LengthShorterThanTheAddresses_Invalid()
    {
        Assert.Equal(ProxyProtocolParseResult.Invalid, Parse(V2(0x21, 0x11, new byte[8]), out _, out _, out _));
    }

    [Fact]
    public void V2_LengthOverTheCap_InvalidWithoutWaitingForTheBytes()
    {
        var head = new byte[16];
        V2Signature.CopyTo(head, 0);
        head[12] = 0x21;
        head[13] = 0x11;
        BinaryPrimitives.WriteUInt16BigEndian(head.AsSpan(14), ProxyProtocolParser.MaxV2Length + 1);

        Assert.Equal(ProxyProtocolParseResult.Invalid, Parse(head, out _, out _, out var error));
        Assert.Contains("at most", error, StringComparison.Ordinal);
    }

    [Fact]
    public void V2_EveryPrefix_Incomplete()
    {
        var bytes = V2(0x21, 0x11, Inet("203.0.113.7", "192.0.2.1", 1, 2));
        for (var length = 1; length < bytes.Length; length++)
        {
            Assert.Equal(ProxyProtocolParseResult.Incomplete, Parse(bytes[..length], out _, out _, out _));
        }
    }

    [Fact]
    public void V2_SplitAcrossSegments_Parsed()
    {
        var bytes = V2(0x21, 0x11, Inet("203.0.113.7", "192.0.2.1", 80, 443));
        var first = new Segment(bytes.AsMemory(0, 5));
        var last = first.Append(bytes.AsMemory(5, 10)).Append(bytes.AsMemory(15));
        var sequence = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);

        var result = ProxyProtocolParser.TryParse(sequence, out var header, out _, out _);

        Assert.Equal(ProxyProtocolParseResult.Complete, result);
        Assert.Equal(80, header.Source!.Port);
    }

    private static ProxyProtocolParseResult Parse(byte[] bytes, out ProxyProtocolHeader header, out long consumed, out string? error)
    {
        var sequence = new ReadOnlySequence<byte>(bytes);
        var result = ProxyProtocolParser.TryParse(sequence, out header, out var position, out error);
        consumed = sequence.Slice(0, position).Length;
        return result;
    }

    private static byte[] Inet(string source, string destination, int sourcePort, int destinationPort)
    {
        var block = new byte[12];
        IPAddress.Parse(source).GetAddressBytes().CopyTo(block, 0);
        IPAddress.Parse(destination).GetAddressBytes().CopyTo(block, 4);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(8), (ushort)sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(10), (ushort)destinationPort);
        return block;
    }

    private static byte[] V2(byte versionCommand, byte family, byte[] addresses, byte[]? tlvs = null, byte[]? trailing = null)
    {
        tlvs ??= [];
        trailing ??= [];
        var bytes = new byte[16 + addresses.Length + tlvs.Length + trailing.Length];
        V2Signature.CopyTo(bytes, 0);
        bytes[12] = versionCommand;
        bytes[13] = family;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(14), (ushort)(addresses.Length + tlvs.Length));
        addresses.CopyTo(bytes, 16);
        tlvs.CopyTo(bytes, 16 + addresses.Length);
        trailing.CopyTo(bytes, 16 + addresses.Length + tlvs.Length);
        return bytes;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
