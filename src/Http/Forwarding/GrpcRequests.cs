using FastProxy.Core.Gate;

namespace FastProxy.Http.Forwarding;

/// <summary>Which requests are gRPC calls: those on a route marked `grpc: true`, or whose content-type is application/grpc*.</summary>
internal static class GrpcRequests
{
    private static ReadOnlySpan<byte> ContentTypeName => "content-type"u8;

    private static ReadOnlySpan<byte> GrpcContentType => "application/grpc"u8;

    /// <summary>The grpc-timeout request field.</summary>
    public static ReadOnlySpan<byte> TimeoutName => "grpc-timeout"u8;

    /// <summary>Whether the request's content-type names gRPC (application/grpc, +proto, +json, -web...).</summary>
    public static bool HasGrpcContentType(IRequestHeaders request)
        => request.TryGetFirst(ContentTypeName, out var value)
            && value.Length >= GrpcContentType.Length
            && System.Text.Ascii.EqualsIgnoreCase(value[..GrpcContentType.Length], GrpcContentType);
}
