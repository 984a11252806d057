using FastProxy.Core.Errors;

namespace FastProxy.Http.Forwarding;

/// <summary>
/// The one place where a refusal becomes what a gRPC client reads (a route marked `grpc: true`, or a request whose
/// content-type is application/grpc*): HTTP 200 with <c>grpc-status</c> and <c>grpc-message</c> in a trailers-only
/// response, since gRPC clients act on grpc-status and read any other HTTP status as a transport failure
/// (grpc/doc/http-grpc-status-mapping.md). Keyed by the HTTP status the refusal stands for, so the gate's own statuses
/// (401, 403, 429) and every <see cref="ProxyErrorKind"/> (through <see cref="ProxyErrorMapping.ToStatus"/>) map alike.
/// The record keeps the HTTP status (the real decision); only the wire differs.
/// </summary>
internal static class GrpcStatusMapping
{
    /// <summary>The gRPC status for a refusal that HTTP would answer with <paramref name="httpStatus"/>.</summary>
    public static GrpcStatus FromHttpStatus(int httpStatus) => httpStatus switch
    {
        400 => GrpcStatus.Internal,
        401 => GrpcStatus.Unauthenticated,
        403 => GrpcStatus.PermissionDenied,
        404 or 405 or 501 => GrpcStatus.Unimplemented,
        408 or 504 => GrpcStatus.DeadlineExceeded,
        413 or 414 or 429 or 431 => GrpcStatus.ResourceExhausted,
        502 or 503 => GrpcStatus.Unavailable,
        500 or 505 => GrpcStatus.Internal,
        _ => GrpcStatus.Unknown,
    };

    /// <summary>
    /// The gRPC status for a failure the proxy names. A connect that timed out reached no upstream application, so it is
    /// UNAVAILABLE (which gRPC clients may retry), not the DEADLINE_EXCEEDED its 504 would give.
    /// </summary>
    public static GrpcStatus FromKind(ProxyErrorKind kind) => kind == ProxyErrorKind.UpstreamConnectTimeout
        ? GrpcStatus.Unavailable
        : FromHttpStatus(ProxyErrorMapping.ToStatus(kind));

    /// <summary>
    /// A short grpc-message for a refusal of <paramref name="httpStatus"/>: general terms, never request bytes or
    /// secrets. Every message is printable ASCII without '%', so it is its own percent-encoding (see <see cref="PercentEncode"/>).
    /// </summary>
    public static ReadOnlySpan<byte> MessageFor(int httpStatus) => httpStatus switch
    {
        400 => "bad request"u8,
        401 => "unauthenticated"u8,
        403 => "permission denied"u8,
        404 => "no route for this method"u8,
        405 => "method not allowed"u8,
        408 => "request timeout"u8,
        413 => "request too large"u8,
        414 => "request target too long"u8,
        429 => "too many requests"u8,
        431 => "request headers too large"u8,
        501 => "not implemented"u8,
        502 => "upstream unavailable"u8,
        503 => "service unavailable"u8,
        504 => "deadline exceeded"u8,
        _ => "internal error"u8,
    };

    /// <summary>The decimal text of <paramref name="status"/> as grpc-status carries it.</summary>
    public static ReadOnlySpan<byte> StatusText(GrpcStatus status) => status switch
    {
        GrpcStatus.Ok => "0"u8,
        GrpcStatus.Cancelled => "1"u8,
        GrpcStatus.DeadlineExceeded => "4"u8,
        GrpcStatus.PermissionDenied => "7"u8,
        GrpcStatus.ResourceExhausted => "8"u8,
        GrpcStatus.Unimplemented => "12"u8,
        GrpcStatus.Internal => "13"u8,
        GrpcStatus.Unavailable => "14"u8,
        GrpcStatus.Unauthenticated => "16"u8,
        _ => "2"u8,
    };

    /// <summary>
    /// gRPC over HTTP/2 (PROTOCOL-HTTP2.md, "Responses"): grpc-message is percent-encoded, every byte outside
    /// 0x20-0x7E and '%' itself as %XX. Returns the bytes written, or -1 when <paramref name="destination"/> is too small.
    /// </summary>
    public static int PercentEncode(ReadOnlySpan<byte> message, Span<byte> destination)
    {
        var written = 0;
        foreach (var b in message)
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                if (written >= destination.Length)
                {
                    return -1;
                }

                destination[written++] = b;
                continue;
            }

            if (written + 3 > destination.Length)
            {
                return -1;
            }

            destination[written] = (byte)'%';
            destination[written + 1] = Hex(b >> 4);
            destination[written + 2] = Hex(b & 0xF);
            written += 3;
        }

        return written;
    }

    private static byte Hex(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);
}
