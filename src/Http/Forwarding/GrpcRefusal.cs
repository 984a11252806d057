using FastProxy.Core.Gate;

namespace FastProxy.Http.Forwarding;

/// <summary>
/// The fields of a refusal answered the gRPC way (a trailers-only response: HTTP 200 whose head carries the status,
/// PROTOCOL-HTTP2.md "Trailers-Only"), whatever protocol frames them. The gate's own fields (WWW-Authenticate) are not
/// sent: a gRPC client reads grpc-status, and the refusal's reason is in grpc-message.
/// </summary>
internal static class GrpcRefusal
{
    public static void WriteFields<TSink>(ref TSink sink, GrpcStatus status, ReadOnlySpan<byte> message)
        where TSink : IHeaderSink, allows ref struct
    {
        sink.Add("content-type"u8, "application/grpc"u8);
        sink.Add("grpc-status"u8, GrpcStatusMapping.StatusText(status));
        sink.Add("grpc-message"u8, message);
    }
}
