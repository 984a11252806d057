using System.Text;
using FastProxy.Http.Forwarding;

namespace FastProxy.Http.Tests.Forwarding;

public sealed class TrailerFieldsTests
{
    [Theory]
    [InlineData("x-checksum")]
    [InlineData("grpc-status")]
    [InlineData("grpc-message")]
    [InlineData("server-timing")]
    [InlineData("digest")]
    public void IsAllowed_EndToEndMetadata_True(string name) => Assert.True(TrailerFields.IsAllowed(Encoding.ASCII.GetBytes(name)));

    [Theory]
    [InlineData("content-length")]
    [InlineData("Content-Type")]
    [InlineData("transfer-encoding")]
    [InlineData("host")]
    [InlineData("authorization")]
    [InlineData("cookie")]
    [InlineData("set-cookie")]
    [InlineData("TE")]
    [InlineData("trailer")]
    [InlineData("if-match")]
    [InlineData("proxy-authorization")]
    [InlineData("x-forwarded-for")]
    [InlineData("x-request-id")]
    [InlineData("cache-control")]
    [InlineData("www-authenticate")]
    [InlineData("location")]
    public void IsAllowed_FramingRoutingAuthAndControlFields_False(string name) => Assert.False(TrailerFields.IsAllowed(Encoding.ASCII.GetBytes(name)));
}
