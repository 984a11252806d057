using System.Text;
using FastProxy.Policy.Evaluation;

namespace FastProxy.Policy.Tests.Evaluation;

public sealed class PathGlobTests
{
    private static PathGlob Parse(string pattern) => PathGlob.TryParse(pattern, out _)!;

    [Theory]
    [InlineData("/api/**", "/api", true)]
    [InlineData("/api/**", "/api/", true)]
    [InlineData("/api/**", "/api/a/b", true)]
    [InlineData("/api/**", "/apix", false)]
    [InlineData("/api/*", "/api/a", true)]
    [InlineData("/api/*", "/api/a/b", false)]
    [InlineData("/api/*", "/api/", false)]
    [InlineData("/api", "/api", true)]
    [InlineData("/api", "/api/", true)]
    [InlineData("/api", "/api//", false)]
    [InlineData("/api/", "/api", true)]
    [InlineData("/", "/", true)]
    [InlineData("/", "//", false)]
    [InlineData("/api/*", "/api/a/", true)]
    [InlineData("/api/*", "/api//", false)]
    [InlineData("/**", "/anything/at/all", true)]
    public void Matches_Pattern(string pattern, string path, bool expected)
        => Assert.Equal(expected, Parse(pattern).Matches(Encoding.ASCII.GetBytes(path)));

    [Theory]
    [InlineData("/api/**", "/API/x", true)]
    [InlineData("/api/*", "/Api/X/", true)]
    [InlineData("/api", "/API/", true)]
    [InlineData("/api", "/APIX", false)]
    public void Matches_IgnoreCase_FoldsAsciiCase(string pattern, string path, bool expected)
        => Assert.Equal(expected, Parse(pattern).Matches(Encoding.ASCII.GetBytes(path), ignoreCase: true));

    [Theory]
    [InlineData("/a*b")]
    [InlineData("a/b")]
    [InlineData("/a/**/b")]
    [InlineData("")]
    public void TryParse_Invalid_Error(string pattern)
    {
        Assert.Null(PathGlob.TryParse(pattern, out var error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("/api/**", "/api/orders/*", true)]
    [InlineData("/api/**", "/api/orders", true)]
    [InlineData("/api/**", "/api/**", true)]
    [InlineData("/api/**", "/**", false)]
    [InlineData("/api/orders/*", "/api/orders/7", true)]
    [InlineData("/api/orders/*", "/api/orders/**", false)]
    [InlineData("/api/orders", "/api/orders/*", false)]
    [InlineData("/**", "/x/*", true)]
    [InlineData("/api/orders/*", "/api/orders/7/", true)]
    [InlineData("/api/orders/7/", "/api/orders/7", true)]
    public void Covers_Pattern(string outer, string inner, bool expected)
        => Assert.Equal(expected, Parse(outer).Covers(Parse(inner)));

    [Theory]
    [InlineData("/api/**", "/other/**", true)]
    [InlineData("/api/**", "/api/x", false)]
    [InlineData("/api/*", "/apix/*", true)]
    [InlineData("/**", "/x", false)]
    public void IsDisjointFrom_Pattern(string a, string b, bool expected)
        => Assert.Equal(expected, Parse(a).IsDisjointFrom(Parse(b)));
}
