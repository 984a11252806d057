using FastProxy.Http.Http2;

namespace FastProxy.Http.Proxy;

/// <summary>
/// What the client stream is reset with when its upstream stream failed after the response head went out: the
/// upstream's code when it means the same to the client (CANCEL, ENHANCE_YOUR_CALM), INTERNAL_ERROR otherwise (a
/// protocol or flow-control error of the upstream hop is not the client's, and a lost connection has no code).
/// </summary>
internal static class Http2UpstreamResets
{
    public static Http2ErrorCode ForClient(Http2ErrorCode? upstreamCode) => upstreamCode switch
    {
        Http2ErrorCode.Cancel => Http2ErrorCode.Cancel,
        Http2ErrorCode.EnhanceYourCalm => Http2ErrorCode.EnhanceYourCalm,
        _ => Http2ErrorCode.InternalError,
    };
}
