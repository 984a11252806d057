namespace FastProxy.Http.Http2;

/// <summary>SETTINGS parameter identifiers (RFC 9113 §6.5.2; ENABLE_CONNECT_PROTOCOL is RFC 8441 §3).</summary>
public enum Http2SettingsParameter : ushort
{
    HeaderTableSize = 0x1,
    EnablePush = 0x2,
    MaxConcurrentStreams = 0x3,
    InitialWindowSize = 0x4,
    MaxFrameSize = 0x5,
    MaxHeaderListSize = 0x6,
    EnableConnectProtocol = 0x8,
}
