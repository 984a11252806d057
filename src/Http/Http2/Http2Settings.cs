using System.Buffers;
using System.Runtime.InteropServices;

namespace FastProxy.Http.Http2;

/// <summary>
/// One side's SETTINGS values (RFC 9113 §6.5.2), starting from the protocol's initial values. A SETTINGS payload is
/// a list of 6-octet entries:
/// <code>
/// Setting {
///   Identifier (16),
///   Value (32),
/// }
/// </code>
/// </summary>
[StructLayout(LayoutKind.Auto)]
public struct Http2Settings
{
    /// <summary>Initial SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2).</summary>
    public const uint DefaultHeaderTableSize = 4096;

    /// <summary>Initial SETTINGS_INITIAL_WINDOW_SIZE and the initial connection window (RFC 9113 §6.9.2).</summary>
    public const int DefaultInitialWindowSize = 65_535;

    /// <summary>Smallest allowed and initial SETTINGS_MAX_FRAME_SIZE (RFC 9113 §4.2).</summary>
    public const int MinMaxFrameSize = 16_384;

    /// <summary>Largest allowed SETTINGS_MAX_FRAME_SIZE: 2^24-1 (RFC 9113 §6.5.2).</summary>
    public const int MaxMaxFrameSize = (1 << 24) - 1;

    /// <summary>Largest flow-control window, 2^31-1 (RFC 9113 §6.9.1).</summary>
    public const int MaxWindowSize = int.MaxValue;

    public const int EntrySize = 6;

    public Http2Settings()
    {
    }

    public uint HeaderTableSize { get; set; } = DefaultHeaderTableSize;

    public bool EnablePush { get; set; } = true;

    /// <summary>Unlimited until the peer says otherwise (RFC 9113 §6.5.2).</summary>
    public uint MaxConcurrentStreams { get; set; } = uint.MaxValue;

    public int InitialWindowSize { get; set; } = DefaultInitialWindowSize;

    public int MaxFrameSize { get; set; } = MinMaxFrameSize;

    /// <summary>Unlimited until the peer says otherwise (RFC 9113 §6.5.2).</summary>
    public uint MaxHeaderListSize { get; set; } = uint.MaxValue;

    public bool EnableConnectProtocol { get; set; }

    /// <summary>
    /// Checks one entry's value against its parameter's rule (RFC 9113 §6.5.2). Unknown identifiers are valid: they
    /// "MUST be ignored". Returns false with the connection error to send.
    /// </summary>
    public static bool TryValidate(ushort identifier, uint value, out Http2FrameError error)
    {
        error = default;
        switch ((Http2SettingsParameter)identifier)
        {
            case Http2SettingsParameter.EnablePush when value > 1:
                // RFC 9113 §6.5.2: "Any value other than 0 or 1 MUST be treated as a connection error ... PROTOCOL_ERROR"
                error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, 0, "SETTINGS_ENABLE_PUSH not 0 or 1");
                return false;
            case Http2SettingsParameter.InitialWindowSize when value > MaxWindowSize:
                // RFC 9113 §6.5.2: above 2^31-1 "MUST be treated as a connection error ... FLOW_CONTROL_ERROR"
                error = Http2FrameError.Connection(Http2ErrorCode.FlowControlError, 0, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1");
                return false;
            case Http2SettingsParameter.MaxFrameSize when value < MinMaxFrameSize || value > MaxMaxFrameSize:
                // RFC 9113 §6.5.2: outside [2^14, 2^24-1] "MUST be treated as a connection error ... PROTOCOL_ERROR"
                error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, 0, "SETTINGS_MAX_FRAME_SIZE out of range");
                return false;
            case Http2SettingsParameter.EnableConnectProtocol when value > 1:
                // RFC 8441 §3: "a value other than 0 or 1 ... MUST be treated as a connection error ... PROTOCOL_ERROR"
                error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, 0, "SETTINGS_ENABLE_CONNECT_PROTOCOL not 0 or 1");
                return false;
            default:
                return true;
        }
    }

    /// <summary>
    /// Applies a SETTINGS payload that <see cref="Http2FrameReader"/> has already validated, in order ("processed in
    /// the order in which they appear", RFC 9113 §6.5.3).
    /// </summary>
    public void Apply(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        while (reader.TryReadBigEndian(out short identifier) && reader.TryReadBigEndian(out int value))
        {
            Apply((ushort)identifier, (uint)value);
        }
    }

    public void Apply(ushort identifier, uint value)
    {
        switch ((Http2SettingsParameter)identifier)
        {
            case Http2SettingsParameter.HeaderTableSize:
                HeaderTableSize = value;
                break;
            case Http2SettingsParameter.EnablePush:
                EnablePush = value == 1;
                break;
            case Http2SettingsParameter.MaxConcurrentStreams:
                MaxConcurrentStreams = value;
                break;
            case Http2SettingsParameter.InitialWindowSize:
                InitialWindowSize = (int)value;
                break;
            case Http2SettingsParameter.MaxFrameSize:
                MaxFrameSize = (int)value;
                break;
            case Http2SettingsParameter.MaxHeaderListSize:
                MaxHeaderListSize = value;
                break;
            case Http2SettingsParameter.EnableConnectProtocol:
                EnableConnectProtocol = value == 1;
                break;
            default:
                // RFC 9113 §6.5.2: "An endpoint that receives a SETTINGS frame with any unknown or unsupported identifier MUST ignore that setting."
                break;
        }
    }
}
