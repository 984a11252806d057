using System.Text;
using FastProxy.Http.Http2;

namespace FastProxy.Http.Tests.Http2;

public sealed class Http2RequestValidatorTests
{
    private static readonly string[] Get = [":method", "GET", ":scheme", "https", ":authority", "api.example.com", ":path", "/orders/7"];

    [Fact]
    public void Validate_TypicalGet_Valid()
    {
        Assert.Equal(Http2FieldProblem.None, Validate([.. Get, "accept", "*/*", "te", "trailers", "content-length", "0"], out var validator));
        Assert.Equal(0, validator.ContentLength);
    }

    [Theory]
    [InlineData(Http2FieldProblem.InvalidName, "Accept", "x")]                       // uppercase (RFC 9113 §8.2.1)
    [InlineData(Http2FieldProblem.InvalidName, "", "x")]
    [InlineData(Http2FieldProblem.InvalidName, "a b", "x")]
    [InlineData(Http2FieldProblem.InvalidName, "a:b", "x")]
    [InlineData(Http2FieldProblem.InvalidValue, "x", "a\r\nb")]                       // the h2 -> h1 smuggling class
    [InlineData(Http2FieldProblem.InvalidValue, "x", "a\nb")]
    [InlineData(Http2FieldProblem.InvalidValue, "x", "a\0b")]
    [InlineData(Http2FieldProblem.InvalidValue, "x", " a")]
    [InlineData(Http2FieldProblem.InvalidValue, "x", "a\t")]
    [InlineData(Http2FieldProblem.ConnectionSpecificField, "connection", "close")]   // RFC 9113 §8.2.2
    [InlineData(Http2FieldProblem.ConnectionSpecificField, "keep-alive", "5")]
    [InlineData(Http2FieldProblem.ConnectionSpecificField, "proxy-connection", "x")]
    [InlineData(Http2FieldProblem.ConnectionSpecificField, "transfer-encoding", "chunked")]
    [InlineData(Http2FieldProblem.ConnectionSpecificField, "upgrade", "websocket")]
    [InlineData(Http2FieldProblem.TeNotTrailers, "te", "gzip")]
    [InlineData(Http2FieldProblem.InvalidContentLength, "content-length", "1a")]
    [InlineData(Http2FieldProblem.InvalidContentLength, "content-length", "")]
    [InlineData(Http2FieldProblem.InvalidContentLength, "content-length", "-1")]
    [InlineData(Http2FieldProblem.InvalidContentLength, "content-length", "1234567890123456789")]
    [InlineData(Http2FieldProblem.PseudoHeaderAfterRegular, ":method", "GET")]
    public void Validate_BadRegularField_Malformed(Http2FieldProblem expected, string name, string value)
    {
        Assert.Equal(expected, Validate([.. Get, "accept", "*/*", name, value], out _));
    }

    [Theory]
    [InlineData(Http2FieldProblem.UnknownPseudoHeader, ":status", "200")]
    [InlineData(Http2FieldProblem.UnknownPseudoHeader, ":protocol", "websocket")]
    [InlineData(Http2FieldProblem.UnknownPseudoHeader, ":foo", "x")]
    [InlineData(Http2FieldProblem.DuplicatePseudoHeader, ":path", "/other")]
    [InlineData(Http2FieldProblem.DuplicatePseudoHeader, ":method", "POST")]
    public void Validate_BadPseudoHeader_Malformed(Http2FieldProblem expected, string name, string value)
    {
        Assert.Equal(expected, Validate([.. Get, name, value], out _));
    }

    [Theory]
    [InlineData(Http2FieldProblem.MissingPseudoHeader, ":method", "GET", ":scheme", "https")]
    [InlineData(Http2FieldProblem.MissingPseudoHeader, ":method", "GET", ":path", "/")]
    [InlineData(Http2FieldProblem.MissingPseudoHeader, ":scheme", "https", ":path", "/")]
    [InlineData(Http2FieldProblem.InvalidPath, ":method", "GET", ":scheme", "https", ":path", "")]
    [InlineData(Http2FieldProblem.InvalidPath, ":method", "GET", ":scheme", "https", ":path", "orders")]
    [InlineData(Http2FieldProblem.InvalidPath, ":method", "GET", ":scheme", "https", ":path", "*")]
    [InlineData(Http2FieldProblem.None, ":method", "OPTIONS", ":scheme", "https", ":path", "*")]
    [InlineData(Http2FieldProblem.InvalidValue, ":method", "G T", ":scheme", "https", ":path", "/")]
    [InlineData(Http2FieldProblem.None, ":method", "CONNECT", ":authority", "db:5432")]
    [InlineData(Http2FieldProblem.MissingPseudoHeader, ":method", "CONNECT")]
    [InlineData(Http2FieldProblem.ConnectWithSchemeOrPath, ":method", "CONNECT", ":authority", "db:5432", ":path", "/")]
    public void Validate_PseudoHeaderSet_AsRfc9113Section8_3(Http2FieldProblem expected, params string[] fields)
    {
        Assert.Equal(expected, Validate(fields, out _));
    }

    [Fact]
    public void Validate_ContentLengthRepeated_SameAcceptedDifferentRefused()
    {
        Assert.Equal(Http2FieldProblem.None, Validate([.. Get, "content-length", "5", "content-length", "5"], out var validator));
        Assert.Equal(5, validator.ContentLength);
        Assert.Equal(Http2FieldProblem.InvalidContentLength, Validate([.. Get, "content-length", "5", "content-length", "6"], out _));
    }

    [Fact]
    public void Validate_Trailers_NoPseudoHeaders()
    {
        var validator = new Http2RequestValidator();
        Assert.Equal(Http2FieldProblem.None, Feed(ref validator, Get));
        validator.BeginTrailers();
        Assert.Equal(Http2FieldProblem.None, Feed(ref validator, ["grpc-status", "0"]));
        Assert.Equal(Http2FieldProblem.PseudoHeaderInTrailers, Feed(ref validator, [":path", "/"]));
    }

    private static Http2FieldProblem Validate(string[] fields, out Http2RequestValidator validator)
    {
        validator = new Http2RequestValidator();
        var problem = Feed(ref validator, fields);
        return problem != Http2FieldProblem.None ? problem : validator.Complete();
    }

    private static Http2FieldProblem Feed(ref Http2RequestValidator validator, string[] fields)
    {
        for (var i = 0; i < fields.Length; i += 2)
        {
            var problem = validator.Check(Encoding.ASCII.GetBytes(fields[i]), Encoding.ASCII.GetBytes(fields[i + 1]));
            if (problem != Http2FieldProblem.None)
            {
                return problem;
            }
        }

        return Http2FieldProblem.None;
    }
}
