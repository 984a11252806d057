namespace FastProxy.Http.Http2;

/// <summary>
/// Stream states a server sees (RFC 9113 §5.1). Reserved states need server push, which we never do
/// (SETTINGS_ENABLE_PUSH is 0 from clients' side and we send no PUSH_PROMISE).
/// </summary>
public enum Http2StreamState : byte
{
    Idle,

    /// <summary>HEADERS received without END_STREAM: both sides may send.</summary>
    Open,

    /// <summary>The client sent END_STREAM: we may still send.</summary>
    HalfClosedRemote,

    /// <summary>We sent END_STREAM: the client may still send.</summary>
    HalfClosedLocal,

    Closed,
}
