using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Core.Routing;

namespace FastProxy.Core.Tests.Routing;

public sealed class RouteTableTests
{
    private static RouteMatchKind Match(RouteTable table, string host, string path, string method, out int index)
    {
        var methodBytes = Encoding.ASCII.GetBytes(method);
        return table.Match(Encoding.ASCII.GetBytes(host), Encoding.ASCII.GetBytes(path), RequestMethods.Parse(methodBytes), methodBytes, out index);
    }

    [Theory]
    [InlineData("/orders", true)]
    [InlineData("/orders/", true)]
    [InlineData("/orders/7/lines", true)]
    [InlineData("/ordersX", false)]
    [InlineData("/order", false)]
    [InlineData("/", false)]
    public void Match_SubtreePattern_MatchesPrefixOnSegmentBoundary(string path, bool expected)
    {
        var table = new RouteTable([new RouteSpec(null, "/orders/**", null)]);
        Assert.Equal(expected, Match(table, "any", path, "GET", out _) == RouteMatchKind.Matched);
    }

    [Theory]
    [InlineData("/orders/7", true)]
    [InlineData("/orders/", false)]
    [InlineData("/orders/7/lines", false)]
    [InlineData("/orders", false)]
    public void Match_OneSegmentPattern_MatchesExactlyOneSegment(string path, bool expected)
    {
        var table = new RouteTable([new RouteSpec(null, "/orders/*", null)]);
        Assert.Equal(expected, Match(table, "any", path, "GET", out _) == RouteMatchKind.Matched);
    }

    [Fact]
    public void Match_ExactPattern_NoPrefixMatch()
    {
        var table = new RouteTable([new RouteSpec(null, "/health", null)]);
        Assert.Equal(RouteMatchKind.Matched, Match(table, "h", "/health", "GET", out _));
        Assert.Equal(RouteMatchKind.NoRoute, Match(table, "h", "/health/x", "GET", out _));
        Assert.Equal(RouteMatchKind.NoRoute, Match(table, "h", "/healthz", "GET", out _));
    }

    [Theory]
    [InlineData("/admin", 0)]
    [InlineData("/admin/", 0)]
    [InlineData("/admin//", 1)]
    [InlineData("/admin/x", 1)]
    public void Match_ExactPatternThenCatchAll_TrailingSlashStaysOnExactRoute(string path, int expected)
    {
        // Upstreams serve "/admin/" as "/admin": it must not fall through to the laxer catch-all.
        var table = new RouteTable([new RouteSpec(null, "/admin", null), new RouteSpec(null, "/**", null)]);
        Assert.Equal(RouteMatchKind.Matched, Match(table, "h", path, "GET", out var index));
        Assert.Equal(expected, index);
    }

    [Theory]
    [InlineData("/admin", true)]
    [InlineData("/admin/", true)]
    [InlineData("/", false)]
    public void Match_ExactPatternWrittenWithSlash_CoversPathWithout(string path, bool expected)
    {
        var table = new RouteTable([new RouteSpec(null, "/admin/", null)]);
        Assert.Equal(expected, Match(table, "h", path, "GET", out _) == RouteMatchKind.Matched);
    }

    [Theory]
    [InlineData("/", true)]
    [InlineData("//", false)]
    public void Match_RootPattern_OnlyRoot(string path, bool expected)
    {
        var table = new RouteTable([new RouteSpec(null, "/", null)]);
        Assert.Equal(expected, Match(table, "h", path, "GET", out _) == RouteMatchKind.Matched);
    }

    [Theory]
    [InlineData("/orders/7/", true)]
    [InlineData("/orders//", false)]
    public void Match_OneSegmentPattern_OneTrailingSlashCovered(string path, bool expected)
    {
        var table = new RouteTable([new RouteSpec(null, "/orders/*", null)]);
        Assert.Equal(expected, Match(table, "any", path, "GET", out _) == RouteMatchKind.Matched);
    }

    [Theory]
    [InlineData("/ADMIN/users")]
    [InlineData("/Admin")]
    [InlineData("/admin/users")]
    public void Match_CaseInsensitivePaths_FoldsAsciiCase(string path)
    {
        var table = new RouteTable([new RouteSpec(null, "/admin/**", null) { CaseInsensitivePaths = true }, new RouteSpec(null, "/**", null)]);
        Assert.Equal(RouteMatchKind.Matched, Match(table, "h", path, "GET", out var index));
        Assert.Equal(0, index);
    }

    [Fact]
    public void Match_CaseSensitivePathsByDefault_OtherCaseFallsThrough()
    {
        var table = new RouteTable([new RouteSpec(null, "/admin/**", null), new RouteSpec(null, "/**", null)]);
        Assert.Equal(RouteMatchKind.Matched, Match(table, "h", "/ADMIN/users", "GET", out var index));
        Assert.Equal(1, index);
    }

    [Theory]
    [InlineData("api.example.com.", 0)]
    [InlineData("API.example.com.", 0)]
    [InlineData("a.internal.example.", 1)]
    [InlineData("api.example.com..", 2)]
    [InlineData(".", 2)]
    public void Match_HostWithTrailingDot_SameRoutesAsWithout(string host, int expected)
    {
        // RFC 1034 §3.1: the absolute name with its final dot is the same name.
        var table = new RouteTable(
        [
            new RouteSpec("api.example.com", "/**", null),
            new RouteSpec("*.internal.example", "/**", null),
            new RouteSpec(null, "/**", null),
        ]);
        Assert.Equal(RouteMatchKind.Matched, Match(table, host, "/x", "GET", out var index));
        Assert.Equal(expected, index);
    }

    [Theory]
    [InlineData("delete")]
    [InlineData("Delete")]
    [InlineData("get")]
    public void Match_MethodInOtherCase_RefusedOnRouteListingMethods(string method)
    {
        // RFC 9110 §9.1: methods are case-sensitive; "delete" is an extension method, not DELETE.
        var table = new RouteTable([new RouteSpec(null, "/api/**", ["GET", "DELETE"])]);
        Assert.Equal(RouteMatchKind.MethodNotAllowed, Match(table, "h", "/api/x", method, out _));
    }

    [Theory]
    [InlineData("delete", RouteMatchKind.MethodNotAllowed, -1)]
    [InlineData("DELETE", RouteMatchKind.Matched, 0)]
    [InlineData("PATCH", RouteMatchKind.Matched, 1)]
    [InlineData("patch", RouteMatchKind.Matched, 1)]
    public void Match_MethodInOtherCaseThenCatchAll_RefusedNotFallenThrough(string method, RouteMatchKind expected, int expectedIndex)
    {
        // An upstream folding method case would run DELETE: "delete" must not reach the laxer catch-all.
        var table = new RouteTable([new RouteSpec(null, "/api/**", ["GET", "DELETE"]), new RouteSpec(null, "/**", null)]);
        Assert.Equal(expected, Match(table, "h", "/api/x", method, out var index));
        Assert.Equal(expectedIndex, index);
    }

    [Fact]
    public void Match_LowerCaseMethodListed_OnlyThatExactToken()
    {
        var table = new RouteTable([new RouteSpec(null, "/api/**", ["delete"])]);
        Assert.Equal(RouteMatchKind.Matched, Match(table, "h", "/api/x", "delete", out _));
        Assert.Equal(RouteMatchKind.MethodNotAllowed, Match(table, "h", "/api/x", "DELETE", out _));
    }

    [Theory]
    [InlineData("api.example.com", true)]
    [InlineData("API.Example.COM", true)]
    [InlineData("other.example.com", false)]
    [InlineData("api.example.com.evil", false)]
    public void Match_ExactHost_CaseInsensitive(string host, bool expected)
    {
        var table = new RouteTable([new RouteSpec("api.example.com", "/**", null)]);
        Assert.Equal(expected, Match(table, host, "/x", "GET", out _) == RouteMatchKind.Matched);
    }

    [Theory]
    [InlineData("a.example.com", true)]
    [InlineData("deep.a.example.com", true)]
    [InlineData("example.com", false)]
    [InlineData("badexample.com", false)]
    public void Match_WildcardHost_OnlySubdomains(string host, bool expected)
    {
        var table = new RouteTable([new RouteSpec("*.example.com", "/**", null)]);
        Assert.Equal(expected, Match(table, host, "/x", "GET", out _) == RouteMatchKind.Matched);
    }

    [Fact]
    public void Match_MethodNotListed_MethodNotAllowed()
    {
        var table = new RouteTable([new RouteSpec(null, "/api/**", ["GET", "HEAD"])]);
        Assert.Equal(RouteMatchKind.Matched, Match(table, "h", "/api/x", "HEAD", out _));
        Assert.Equal(RouteMatchKind.MethodNotAllowed, Match(table, "h", "/api/x", "POST", out var index));
        Assert.Equal(-1, index);
    }

    [Fact]
    public void Match_ExtensionMethod_MatchedByBytes()
    {
        var table = new RouteTable([new RouteSpec(null, "/dav/**", ["PROPFIND"])]);
        Assert.Equal(RouteMatchKind.Matched, Match(table, "h", "/dav/x", "PROPFIND", out _));
        Assert.Equal(RouteMatchKind.MethodNotAllowed, Match(table, "h", "/dav/x", "MKCOL", out _));
    }

    [Fact]
    public void Match_SeveralRoutesFit_FirstInOrderWins()
    {
        var table = new RouteTable(
        [
            new RouteSpec(null, "/api/admin/**", ["GET"]),
            new RouteSpec(null, "/api/**", null),
        ]);
        Assert.Equal(RouteMatchKind.Matched, Match(table, "h", "/api/admin/users", "GET", out var first));
        Assert.Equal(0, first);
        Assert.Equal(RouteMatchKind.Matched, Match(table, "h", "/api/admin/users", "DELETE", out var second));
        Assert.Equal(1, second);
    }

    [Theory]
    [InlineData("orders")]
    [InlineData("/orders/**/x")]
    [InlineData("/ord*")]
    public void Create_InvalidPattern_Throws(string pattern)
    {
        Assert.Throws<ArgumentException>(() => new RouteTable([new RouteSpec(null, pattern, null)]));
    }
}
