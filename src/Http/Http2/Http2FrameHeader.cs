using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace FastProxy.Http.Http2;

/// <summary>
/// The 9-octet frame header (RFC 9113 §4.1):
/// <code>
/// HTTP Frame {
///   Length (24),
///   Type (8),
///   Flags (8),
///   Reserved (1),
///   Stream Identifier (31),
///   Frame Payload (..),
/// }
/// </code>
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly struct Http2FrameHeader
{
    public const int Size = 9;

    /// <summary>The largest payload length the 24-bit field can carry (RFC 9113 §4.2).</summary>
    public const int MaxLength = (1 << 24) - 1;

    /// <summary>Clears the reserved bit: it "MUST be ignored when receiving" (RFC 9113 §4.1).</summary>
    private const uint StreamIdMask = 0x7FFF_FFFF;

    public Http2FrameHeader(int length, Http2FrameType type, byte flags, int streamId)
    {
        Length = length;
        Type = type;
        Flags = flags;
        StreamId = streamId;
    }

    public int Length { get; }

    public Http2FrameType Type { get; }

    public byte Flags { get; }

    public int StreamId { get; }

    public bool HasFlag(byte flag) => (Flags & flag) != 0;

    /// <summary>Reads the header from the first <see cref="Size"/> bytes of <paramref name="source"/>.</summary>
    public static Http2FrameHeader ReadFrom(ReadOnlySpan<byte> source)
    {
        var length = (source[0] << 16) | (source[1] << 8) | source[2];
        var streamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(source[5..]) & StreamIdMask);
        return new Http2FrameHeader(length, (Http2FrameType)source[3], source[4], streamId);
    }

    /// <summary>Writes the header into the first <see cref="Size"/> bytes of <paramref name="destination"/> (reserved bit 0).</summary>
    public void WriteTo(Span<byte> destination)
    {
        destination[0] = (byte)(Length >> 16);
        destination[1] = (byte)(Length >> 8);
        destination[2] = (byte)Length;
        destination[3] = (byte)Type;
        destination[4] = Flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)StreamId & StreamIdMask);
    }
}
