using System.Buffers;
using System.Text;
using FastProxy.Http.Http1;
using FastProxy.Http.Proxy;

namespace FastProxy.Http.Tests.Proxy;

/// <summary>
/// The proxy's request id is its own (issue 10, item 11): a client's X-Request-Id is kept only as the
/// separate, sanitised `client_request_id`, never as the id the audit trail and the upstream use.
/// </summary>
public sealed class RequestIdsTests
{
    private static Http1RequestHead Parse(string fields)
    {
        var head = new Http1RequestHead();
        var status = Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes("GET / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n")), head, Http1Limits.Default, out _, out var error);
        Assert.True(status == Http1ParseStatus.Complete, error.Kind.ToString());
        return head;
    }

    [Fact]
    public void Create_ClientSendsSaneId_OwnIdGeneratedClientIdKeptApart()
    {
        var ids = RequestIds.Create(Parse("X-Request-Id: attacker-chosen\r\n"));
        try
        {
            Assert.Matches("^[0-9a-f]{32}$", Encoding.ASCII.GetString(ids.RequestId));
            Assert.Equal("attacker-chosen", Encoding.ASCII.GetString(ids.ClientRequestId));
        }
        finally
        {
            ids.Dispose();
        }
    }

    [Fact]
    public void Create_NoClientId_ClientIdEmpty()
    {
        var ids = RequestIds.Create(Parse(""));
        try
        {
            Assert.Matches("^[0-9a-f]{32}$", Encoding.ASCII.GetString(ids.RequestId));
            Assert.True(ids.ClientRequestId.IsEmpty);
        }
        finally
        {
            ids.Dispose();
        }
    }

    [Fact]
    public void Create_ClientIdWithSpacesAndNonAscii_ReplacedAndCappedAt64()
    {
        var raw = "a b\"c\u00e9" + new string('x', 100);
        var ids = RequestIds.Create(Parse("X-Request-Id: " + raw + "\r\n"));
        try
        {
            var kept = Encoding.Latin1.GetString(ids.ClientRequestId);
            Assert.Equal(64, kept.Length);
            Assert.StartsWith("a?b\"c?xxx", kept, StringComparison.Ordinal);
            Assert.All(kept, c => Assert.InRange(c, '!', '~'));
        }
        finally
        {
            ids.Dispose();
        }
    }

    [Fact]
    public void Create_TwoRequestsSameClientId_DifferentOwnIds()
    {
        var first = RequestIds.Create(Parse("X-Request-Id: same\r\n"));
        var second = RequestIds.Create(Parse("X-Request-Id: same\r\n"));
        try
        {
            Assert.False(first.RequestId.SequenceEqual(second.RequestId));
        }
        finally
        {
            first.Dispose();
            second.Dispose();
        }
    }
}
