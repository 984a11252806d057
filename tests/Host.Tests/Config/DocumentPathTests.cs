using FastProxy.Host.Config;

namespace FastProxy.Host.Tests.Config;

public class DocumentPathTests
{
    [Theory]
    [InlineData("", "routes", "routes")]
    [InlineData("routes[1]", "match", "routes[1].match")]
    [InlineData("clusters", "a.b", "clusters['a.b']")]
    [InlineData("clusters", "", "clusters['']")]
    public void Property_Name_Joined(string parent, string name, string expected)
    {
        Assert.Equal(expected, DocumentPath.Property(parent, name));
    }

    [Theory]
    [InlineData("routes[1].match.path", "routes[1].match")]
    [InlineData("routes[1]", "routes")]
    [InlineData("routes", "")]
    [InlineData("clusters['a.b']", "clusters")]
    public void Parent_Path_OneLevelUp(string path, string expected)
    {
        Assert.Equal(expected, DocumentPath.Parent(path));
    }

    [Theory]
    [InlineData("$.routes[1].id", "routes[1].id")]
    [InlineData("$['a.b'].c", "['a.b'].c")]
    [InlineData("$", "")]
    [InlineData(null, "")]
    public void FromJsonPath_SystemTextJsonPath_Ours(string? jsonPath, string expected)
    {
        Assert.Equal(expected, DocumentPath.FromJsonPath(jsonPath));
    }

    [Fact]
    public void LineMapFind_MissingPath_NearestAncestorLine()
    {
        var lines = new LineMap();
        lines.Set("routes[0]", 7);

        Assert.Equal(7, lines.Find("routes[0].id"));
        Assert.Null(lines.Find("listeners"));
    }
}
