using FastProxy.Core.Errors;
using FastProxy.Http.Http1;

namespace FastProxy.Http.Tests.Http1;

public sealed class Http1ParseErrorTests
{
    [Fact]
    public void Describe_EveryKind_HasItsOwnText()
    {
        var kinds = Enum.GetValues<Http1ErrorKind>();
        var texts = kinds.Select(Http1ParseError.Describe).ToList();
        Assert.DoesNotContain("unknown HTTP/1.1 error", texts, StringComparer.Ordinal);
        Assert.Equal(kinds.Length, texts.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData(Http1ErrorKind.RequestLineTooLong, 414)]
    [InlineData(Http1ErrorKind.HeadersTooLarge, 431)]
    [InlineData(Http1ErrorKind.TooManyHeaders, 431)]
    [InlineData(Http1ErrorKind.UnsupportedTransferEncoding, 501)]
    [InlineData(Http1ErrorKind.UnsupportedVersion, 505)]
    [InlineData(Http1ErrorKind.BodyTooLarge, 413)]
    [InlineData(Http1ErrorKind.ChunkedNotFinal, 400)]
    [InlineData(Http1ErrorKind.BareLF, 400)]
    [InlineData(Http1ErrorKind.InvalidChunkSize, 400)]
    public void RequestStatus_Kind_MapsToStatus(Http1ErrorKind kind, int status)
        => Assert.Equal(status, Http1ParseError.RequestStatus(kind));

    [Theory]
    [InlineData(Http1ErrorKind.RequestLineTooLong, ProxyErrorKind.RequestLineTooLong)]
    [InlineData(Http1ErrorKind.TooManyHeaders, ProxyErrorKind.RequestHeadersTooLarge)]
    [InlineData(Http1ErrorKind.UnsupportedTransferEncoding, ProxyErrorKind.NotImplemented)]
    [InlineData(Http1ErrorKind.UnsupportedVersion, ProxyErrorKind.VersionNotSupported)]
    [InlineData(Http1ErrorKind.BodyTooLarge, ProxyErrorKind.RequestBodyTooLarge)]
    [InlineData(Http1ErrorKind.PathDotSegment, ProxyErrorKind.BadRequest)]
    public void RequestErrorKind_Kind_IsTheProxyFailure(Http1ErrorKind kind, ProxyErrorKind expected)
        => Assert.Equal(expected, Http1ParseError.RequestErrorKind(kind));

    [Fact]
    public void Http1Limits_Default_IsTheDocumentedDefaults()
    {
        var limits = Http1Limits.Default;
        Assert.Equal(8 * 1024, limits.MaxRequestLineBytes);
        Assert.Equal(32 * 1024, limits.MaxHeaderBytes);
        Assert.Equal(100, limits.MaxHeaderCount);
        Assert.Equal(4 * 1024, limits.MaxChunkLineBytes);
        Assert.Equal(8 * 1024, limits.MaxTrailerBytes);
        Assert.Equal(limits.MaxHeaderBytes, default(Http1Limits).MaxHeaderBytes);
    }

    [Fact]
    public void Http1Limits_HeadSmallerThanRequestLine_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new Http1Limits(1024, 512, 10, 64, 64));
}
