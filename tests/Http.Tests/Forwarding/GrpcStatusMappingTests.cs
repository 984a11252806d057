using System.Text;
using FastProxy.Core.Errors;
using FastProxy.Http.Forwarding;

namespace FastProxy.Http.Tests.Forwarding;

/// <summary>Every refusal's gRPC status, one row each, and the grpc-message encoding.</summary>
public sealed class GrpcStatusMappingTests
{
    [Theory]
    [InlineData(401, 16)]
    [InlineData(403, 7)]
    [InlineData(404, 12)]
    [InlineData(405, 12)]
    [InlineData(501, 12)]
    [InlineData(400, 13)]
    [InlineData(413, 8)]
    [InlineData(414, 8)]
    [InlineData(429, 8)]
    [InlineData(431, 8)]
    [InlineData(502, 14)]
    [InlineData(503, 14)]
    [InlineData(408, 4)]
    [InlineData(504, 4)]
    [InlineData(500, 13)]
    [InlineData(418, 2)]
    public void FromHttpStatus_EachRefusal_ItsGrpcStatus(int status, int expected)
        => Assert.Equal((GrpcStatus)expected, GrpcStatusMapping.FromHttpStatus(status));

    [Theory]
    [InlineData(ProxyErrorKind.BadRequest, 13)]
    [InlineData(ProxyErrorKind.RequestHeadersTooLarge, 8)]
    [InlineData(ProxyErrorKind.RequestBodyTooLarge, 8)]
    [InlineData(ProxyErrorKind.NoRoute, 12)]
    [InlineData(ProxyErrorKind.MethodNotAllowed, 12)]
    [InlineData(ProxyErrorKind.NotImplemented, 12)]
    [InlineData(ProxyErrorKind.NoHealthyEndpoint, 14)]
    [InlineData(ProxyErrorKind.UpstreamConnectFailed, 14)]
    [InlineData(ProxyErrorKind.UpstreamConnectTimeout, 14)]
    [InlineData(ProxyErrorKind.UpstreamClosed, 14)]
    [InlineData(ProxyErrorKind.UpstreamBadResponse, 14)]
    [InlineData(ProxyErrorKind.PoolExhausted, 14)]
    [InlineData(ProxyErrorKind.IdentityUnavailable, 14)]
    [InlineData(ProxyErrorKind.AuditUnavailable, 14)]
    [InlineData(ProxyErrorKind.UpstreamResponseTimeout, 4)]
    [InlineData(ProxyErrorKind.RequestHeadersTimeout, 4)]
    [InlineData(ProxyErrorKind.Internal, 13)]
    public void FromKind_EachProxyFailure_ItsGrpcStatus(ProxyErrorKind kind, int expected)
        => Assert.Equal((GrpcStatus)expected, GrpcStatusMapping.FromKind(kind));

    [Theory]
    [InlineData(0, "0")]
    [InlineData(4, "4")]
    [InlineData(7, "7")]
    [InlineData(8, "8")]
    [InlineData(12, "12")]
    [InlineData(13, "13")]
    [InlineData(14, "14")]
    [InlineData(16, "16")]
    public void StatusText_IsTheDecimalCode(int status, string text)
        => Assert.Equal(text, Encoding.ASCII.GetString(GrpcStatusMapping.StatusText((GrpcStatus)status)));

    [Fact]
    public void MessageFor_EveryStatus_AlreadyPercentEncoded()
    {
        foreach (var status in new[] { 400, 401, 403, 404, 405, 408, 413, 414, 429, 431, 500, 501, 502, 503, 504 })
        {
            var message = GrpcStatusMapping.MessageFor(status);
            var encoded = new byte[message.Length * 3];
            var written = GrpcStatusMapping.PercentEncode(message, encoded);
            Assert.Equal(message.ToArray(), encoded[..written]);
            Assert.InRange(message.Length, 1, 40);
        }
    }

    [Fact]
    public void PercentEncode_PercentAndNonPrintable_Escaped()
    {
        var destination = new byte[64];
        var written = GrpcStatusMapping.PercentEncode("50% off\n\u00e9"u8, destination);
        Assert.Equal("50%25 off%0A%C3%A9", Encoding.ASCII.GetString(destination, 0, written));
    }

    [Fact]
    public void PercentEncode_DestinationTooSmall_MinusOne()
        => Assert.Equal(-1, GrpcStatusMapping.PercentEncode("%%"u8, new byte[5]));
}
