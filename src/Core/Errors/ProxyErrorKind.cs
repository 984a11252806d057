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
    VersionNotSupported,
    ClientDisconnected,

    // Routing
    NoRoute,
    MethodNotAllowed,

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

    /// <summary>The audit trail cannot promise this request a record and the configuration refuses traffic then.</summary>
    AuditUnavailable,

    // Internal
    Internal,
}
