using System.Text;
using FastProxy.Http.Semantics;

namespace FastProxy.Http.Tests.Semantics;

/// <summary>
/// The request-target rules every protocol enforces (HTTP/1.1 request line and Host, HTTP/2 :path and :authority):
/// a path the gate matches must be the path every upstream reads, and an authority is a host the proxy can route.
/// </summary>
public sealed class RequestTargetTests
{
    private static PathProblem Path(string path) => RequestTarget.CheckPath(Encoding.ASCII.GetBytes(path));

    [Theory]
    [InlineData("/")]
    [InlineData("/orders/7")]
    [InlineData("/orders/7/")]
    [InlineData("/a.b/c..d/.e/f.")]
    [InlineData("/...")]
    [InlineData("/a%20b")]
    [InlineData("/a%3Fb%23")]
    [InlineData("/%C3%A9t%C3%A9")]
    [InlineData("/a%25")]
    [InlineData("/a%25zz")]
    [InlineData("/:@!$&'()*+,=")]
    public void CheckPath_OrdinaryPath_Accepted(string path) => Assert.Equal(PathProblem.None, Path(path));

    [Theory]
    [InlineData("", PathProblem.NotAbsolute)]
    [InlineData("orders", PathProblem.NotAbsolute)]
    [InlineData("*", PathProblem.NotAbsolute)]
    [InlineData("//admin", PathProblem.EmptySegment)]
    [InlineData("/a//b", PathProblem.EmptySegment)]
    [InlineData("/admin;x/secret", PathProblem.Parameter)]
    [InlineData("/..;/admin", PathProblem.Parameter)]
    [InlineData("/a\\b", PathProblem.Backslash)]
    [InlineData("/.", PathProblem.DotSegment)]
    [InlineData("/..", PathProblem.DotSegment)]
    [InlineData("/public/../admin", PathProblem.DotSegment)]
    [InlineData("/a/./b", PathProblem.DotSegment)]
    [InlineData("/a/b/..", PathProblem.DotSegment)]
    [InlineData("/a%", PathProblem.BadEscape)]
    [InlineData("/a%2", PathProblem.BadEscape)]
    [InlineData("/a%zz", PathProblem.BadEscape)]
    [InlineData("/a%2fb", PathProblem.EncodedSeparator)]
    [InlineData("/a%2Fb", PathProblem.EncodedSeparator)]
    [InlineData("/a%5cb", PathProblem.EncodedSeparator)]
    [InlineData("/a%00", PathProblem.EncodedSeparator)]
    [InlineData("/%61dmin", PathProblem.EncodedUnreserved)]
    [InlineData("/%2e%2e/admin", PathProblem.EncodedUnreserved)]
    [InlineData("/a%7E", PathProblem.EncodedUnreserved)]
    [InlineData("/a%30", PathProblem.EncodedUnreserved)]
    [InlineData("/%252e%252e/admin", PathProblem.DoubleEncoded)]
    public void CheckPath_PathAnUpstreamCouldReadDifferently_Refused(string path, PathProblem problem)
        => Assert.Equal(problem, Path(path));

    [Theory]
    [InlineData("/a?b=c", 2)]
    [InlineData("/a?", 2)]
    [InlineData("/a", 2)]
    [InlineData("/a?x=/../;", 2)]
    public void CheckOriginForm_PathBeforeTheQuery_Checked(string target, int pathLength)
    {
        Assert.Equal(PathProblem.None, RequestTarget.CheckOriginForm(Encoding.ASCII.GetBytes(target), out var length));
        Assert.Equal(pathLength, length);
    }

    [Theory]
    [InlineData("/a b", PathProblem.InvalidCharacter)]
    [InlineData("/a#frag", PathProblem.InvalidCharacter)]
    [InlineData("/a\r\n", PathProblem.InvalidCharacter)]
    [InlineData("/é", PathProblem.InvalidCharacter)]
    [InlineData("/a/../b?q", PathProblem.DotSegment)]
    [InlineData("?q", PathProblem.NotAbsolute)]
    [InlineData("", PathProblem.NotAbsolute)]
    public void CheckOriginForm_BadTarget_Refused(string target, PathProblem problem)
        => Assert.Equal(problem, RequestTarget.CheckOriginForm(Encoding.UTF8.GetBytes(target), out _));

    [Theory]
    [InlineData("!\"$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~", -1)]
    [InlineData("/a#b", 2)]
    [InlineData("/a b", 2)]
    [InlineData("/\u007F", 1)]
    public void IndexOfInvalidChar_VisibleAsciiButHash(string target, int index)
        => Assert.Equal(index, RequestTarget.IndexOfInvalidChar(Encoding.ASCII.GetBytes(target)));

    [Theory]
    [InlineData("api.example.com", false, 15)]
    [InlineData("api.example.com:8443", false, 15)]
    [InlineData("API.Example.COM", false, 15)]
    [InlineData("10.0.0.1:80", true, 8)]
    [InlineData("[::1]", false, 5)]
    [InlineData("[2001:db8::1]:443", true, 13)]
    [InlineData("[::ffff:10.0.0.1]", false, 17)]
    [InlineData("a_b~c-d", false, 7)]
    [InlineData("h:65535", true, 1)]
    [InlineData("h:00080", true, 1)]
    public void TryValidateAuthority_RoutableHost_Accepted(string authority, bool requirePort, int hostLength)
    {
        Assert.True(RequestTarget.TryValidateAuthority(Encoding.ASCII.GetBytes(authority), requirePort, out var length));
        Assert.Equal(hostLength, length);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("api.example.com", true)]
    [InlineData(":80", false)]
    [InlineData("user@host", false)]
    [InlineData("user:pw@host", false)]
    [InlineData("host:", false)]
    [InlineData("host:65536", false)]
    [InlineData("host:123456", false)]
    [InlineData("host:8a", false)]
    [InlineData("host:+80", false)]
    [InlineData("host:80:81", false)]
    [InlineData("ho st", false)]
    [InlineData("host%2e", false)]
    [InlineData("host/path", false)]
    [InlineData("[]", false)]
    [InlineData("[1.2.3.4]", false)]
    [InlineData("[::1%eth0]", false)]
    [InlineData("[v1.fe]", false)]
    [InlineData("[::1", false)]
    [InlineData("[::1]x", false)]
    [InlineData("[::1]:", false)]
    public void TryValidateAuthority_NotARoutableHost_Refused(string authority, bool requirePort)
        => Assert.False(RequestTarget.TryValidateAuthority(Encoding.ASCII.GetBytes(authority), requirePort, out _));
}
