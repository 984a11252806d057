namespace FastProxy.Http.Forwarding;

/// <summary>The gRPC status codes the proxy answers with itself (grpc/doc/statuscodes.md); sent as the decimal text of the value.</summary>
internal enum GrpcStatus : byte
{
    Ok = 0,
    Cancelled = 1,
    Unknown = 2,
    DeadlineExceeded = 4,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    Unauthenticated = 16,
}
