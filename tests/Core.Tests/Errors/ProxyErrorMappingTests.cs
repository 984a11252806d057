using FastProxy.Core.Errors;

namespace FastProxy.Core.Tests.Errors;

/// <summary>The statuses the proxy answers its own failures with; integration tests and clients depend on each.</summary>
public sealed class ProxyErrorMappingTests
{
    [Theory]
    [InlineData(ProxyErrorKind.BadRequest, 400)]
    [InlineData(ProxyErrorKind.RequestLineTooLong, 414)]
    [InlineData(ProxyErrorKind.RequestHeadersTooLarge, 431)]
    [InlineData(ProxyErrorKind.RequestBodyTooLarge, 413)]
    [InlineData(ProxyErrorKind.RequestHeadersTimeout, 408)]
    [InlineData(ProxyErrorKind.NotImplemented, 501)]
    [InlineData(ProxyErrorKind.VersionNotSupported, 505)]
    [InlineData(ProxyErrorKind.NoRoute, 404)]
    [InlineData(ProxyErrorKind.MethodNotAllowed, 405)]
    [InlineData(ProxyErrorKind.NoHealthyEndpoint, 503)]
    [InlineData(ProxyErrorKind.PoolExhausted, 503)]
    [InlineData(ProxyErrorKind.UpstreamConnectFailed, 502)]
    [InlineData(ProxyErrorKind.UpstreamConnectTimeout, 504)]
    [InlineData(ProxyErrorKind.UpstreamResponseTimeout, 504)]
    [InlineData(ProxyErrorKind.UpstreamBadResponse, 502)]
    [InlineData(ProxyErrorKind.UpstreamClosed, 502)]
    [InlineData(ProxyErrorKind.IdentityUnavailable, 503)]
    [InlineData(ProxyErrorKind.AuditUnavailable, 503)]
    [InlineData(ProxyErrorKind.Internal, 500)]
    [InlineData(ProxyErrorKind.None, 500)]
    public void ToStatus_Kind_IsItsStatus(ProxyErrorKind kind, int status)
        => Assert.Equal(status, ProxyErrorMapping.ToStatus(kind));

    [Fact]
    public void ToStatus_EveryKind_HasAReasonPhrase()
    {
        foreach (var kind in Enum.GetValues<ProxyErrorKind>())
        {
            Assert.NotEqual("Error", ProxyErrorMapping.ReasonPhrase(ProxyErrorMapping.ToStatus(kind)), StringComparer.Ordinal);
        }
    }

    [Theory]
    [InlineData(ProxyErrorKind.MethodNotAllowed, ProxyErrorSource.Downstream)]
    [InlineData(ProxyErrorKind.VersionNotSupported, ProxyErrorSource.Downstream)]
    [InlineData(ProxyErrorKind.UpstreamClosed, ProxyErrorSource.Upstream)]
    [InlineData(ProxyErrorKind.AuditUnavailable, ProxyErrorSource.Policy)]
    [InlineData(ProxyErrorKind.Internal, ProxyErrorSource.Internal)]
    public void SourceOf_Kind_BlamesItsSide(ProxyErrorKind kind, ProxyErrorSource source)
        => Assert.Equal(source, ProxyErrorMapping.SourceOf(kind));
}
