using System.Buffers;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Http.Http1;

namespace FastProxy.Http.Tests.Http1;

/// <summary>Helpers shared by the HTTP/1 tests: raw text to bytes (Latin-1, so any byte value can be written) and parse calls.</summary>
internal static class Http1TestInput
{
    public static byte[] Bytes(string raw) => Encoding.Latin1.GetBytes(raw);

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    public static Http1ParseStatus ParseRequest(string raw, Http1RequestHead head, out Http1ParseError error)
        => ParseRequest(new ReadOnlySequence<byte>(Bytes(raw)), head, Http1Limits.Default, out _, out error);

    public static Http1ParseStatus ParseRequest(
        ReadOnlySequence<byte> buffer, Http1RequestHead head, in Http1Limits limits, out long consumed, out Http1ParseError error)
    {
        var status = Http1Parser.TryParseRequest(buffer, head, limits, out var position, out error);
        consumed = buffer.Slice(buffer.Start, position).Length;
        return status;
    }

    public static Http1ParseStatus ParseResponse(string raw, Http1ResponseHead head, out Http1ParseError error, RequestMethod method = RequestMethod.Get)
        => ParseResponse(new ReadOnlySequence<byte>(Bytes(raw)), head, method, Http1Limits.Default, out _, out error);

    public static Http1ParseStatus ParseResponse(
        ReadOnlySequence<byte> buffer, Http1ResponseHead head, RequestMethod method, in Http1Limits limits, out long consumed, out Http1ParseError error)
    {
        var status = Http1Parser.TryParseResponse(buffer, head, method, limits, out var position, out error);
        consumed = buffer.Slice(buffer.Start, position).Length;
        return status;
    }

    /// <summary>Asserts a request is rejected with this kind and status.</summary>
    public static void AssertRequestError(string raw, Http1ErrorKind kind, int status)
    {
        var head = new Http1RequestHead();
        var result = ParseRequest(raw, head, out var error);
        Assert.Equal(Http1ParseStatus.Error, result);
        Assert.Equal(kind, error.Kind);
        Assert.Equal(status, error.Status);
        head.Reset();
    }

    public static Http1RequestHead AssertRequestOk(string raw)
    {
        var head = new Http1RequestHead();
        var result = ParseRequest(raw, head, out var error);
        Assert.True(result == Http1ParseStatus.Complete, $"expected Complete, got {result} {error.Kind}");
        return head;
    }

    public static void AssertResponseError(string raw, Http1ErrorKind kind, RequestMethod method = RequestMethod.Get)
    {
        var head = new Http1ResponseHead();
        var result = ParseResponse(raw, head, out var error, method);
        Assert.Equal(Http1ParseStatus.Error, result);
        Assert.Equal(kind, error.Kind);
        Assert.Equal(502, error.Status);
    }

    public static Http1ResponseHead AssertResponseOk(string raw, RequestMethod method = RequestMethod.Get)
    {
        var head = new Http1ResponseHead();
        var result = ParseResponse(raw, head, out var error, method);
        Assert.True(result == Http1ParseStatus.Complete, $"expected Complete, got {result} {error.Kind}");
        return head;
    }
}
