namespace FastProxy.Core.Errors;

/// <summary>Every way a proxied exchange can fail; <see cref="ProxyErrorMapping"/> maps each to one status.</summary>
public enum ProxyErrorKind : byte
{
    None = 0,

    // Downstream (client) side
    BadRequest,
    RequestLineTooLong,
    RequestHeadersTooLarge,
    RequestBodyTooLarge,
    RequestHeadersTimeout,
    NotImplemented,
    ClientDisconnected,

    // Routing
    NoRoute,

    // Upstream side
    NoHealthyEndpoint,
    UpstreamConnectFailed,
    UpstreamConnectTimeout,
    UpstreamResponseTimeout,
    UpstreamBadResponse,
    UpstreamClosed,
    PoolExhausted,

    // Policy / identity
    IdentityUnavailable,

    // Internal
    Internal,
}
