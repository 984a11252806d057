using System.Globalization;
using System.Text;
using FastProxy.Core.Errors;
using FastProxy.Http.Proxy;

namespace FastProxy.Http.Tests.Proxy;

/// <summary>The proxy's own HTTP/1.1 answers: one per error kind, with the status the one mapping gives.</summary>
public sealed class ErrorResponsesTests
{
    public static TheoryData<ProxyErrorKind, bool> EveryKind()
    {
        var data = new TheoryData<ProxyErrorKind, bool>();
        foreach (var kind in Enum.GetValues<ProxyErrorKind>())
        {
            data.Add(kind, true);
            data.Add(kind, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void Get_Kind_StatusFromTheMappingAndAFramedJsonBody(ProxyErrorKind kind, bool close)
    {
        var text = Encoding.ASCII.GetString(ErrorResponses.Get(kind, close));
        var status = ProxyErrorMapping.ToStatus(kind);

        Assert.StartsWith($"HTTP/1.1 {status} {ProxyErrorMapping.ReasonPhrase(status)}\r\n", text, StringComparison.Ordinal);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var body = text[(split + 4)..];
        Assert.Contains($"\r\nContent-Length: {body.Length.ToString(CultureInfo.InvariantCulture)}\r\n", text, StringComparison.Ordinal);
        Assert.Contains($"\"status\":{status}", body, StringComparison.Ordinal);
        Assert.Equal(close, text[..split].Contains("\r\nConnection: close", StringComparison.Ordinal));
    }

    [Fact]
    public void Get_UpstreamConnectFailed_ExactBytes()
        => Assert.Equal(
            "HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\nContent-Length: 37\r\nConnection: close\r\n\r\n{\"error\":\"bad_gateway\",\"status\":502}\n",
            Encoding.ASCII.GetString(ErrorResponses.Get(ProxyErrorKind.UpstreamConnectFailed, close: true)));

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void Body_Kind_TheBodyOfTheHttp11Answer(ProxyErrorKind kind, bool close)
    {
        var text = Encoding.ASCII.GetString(ErrorResponses.Get(kind, close));

        Assert.Equal(text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..], Encoding.ASCII.GetString(ErrorResponses.Body(kind).Span));
    }

    [Fact]
    public void Get_VersionNotSupported_Is505WithItsReason()
        => Assert.StartsWith(
            "HTTP/1.1 505 HTTP Version Not Supported\r\n",
            Encoding.ASCII.GetString(ErrorResponses.Get(ProxyErrorKind.VersionNotSupported, close: true)),
            StringComparison.Ordinal);
}
