using System.Text;
using FastProxy.Host.Config;

namespace FastProxy.Host.Tests.Config;

public class JsonLineMapperTests
{
    [Fact]
    public void Map_Document_RecordsLineOfKeysAndItems()
    {
        var lines = new LineMap();
        var json = "{\n  \"a\": {\n    \"b\": [\n      1,\n      { \"c\": 2 }\n    ]\n  },\n  /* comment */\n  \"d\": \"x\",\n}";

        JsonLineMapper.Map(Encoding.UTF8.GetBytes(json), lines);

        Assert.Equal(2, lines.Find("a"));
        Assert.Equal(3, lines.Find("a.b"));
        Assert.Equal(4, lines.Find("a.b[0]"));
        Assert.Equal(5, lines.Find("a.b[1]"));
        Assert.Equal(5, lines.Find("a.b[1].c"));
        Assert.Equal(9, lines.Find("d"));
    }

    [Fact]
    public void Map_DuplicateKeyInNestedObject_Refused()
    {
        var ex = Assert.Throws<ConfigSyntaxException>(() => JsonLineMapper.Map("{\"a\":[{\"x\":1,\n\"x\":2}]}"u8, new LineMap()));

        Assert.Equal("a[0].x", ex.DocumentPath);
        Assert.Equal(2, ex.Line);
    }

    [Fact]
    public void Map_SameKeyInSiblingObjects_Allowed()
    {
        JsonLineMapper.Map("{\"a\":{\"x\":1},\"b\":{\"x\":2}}"u8, new LineMap());
    }

    [Theory]
    [InlineData("{\n\"a\": 1,\n\"b\": }", 3)]
    [InlineData("{\n\"a\": [1, 2\n", 3)]
    [InlineData("", 1)]
    public void Map_SyntaxError_LineOfError(string json, int line)
    {
        var ex = Assert.Throws<ConfigSyntaxException>(() => JsonLineMapper.Map(Encoding.UTF8.GetBytes(json), new LineMap()));

        Assert.Equal(line, ex.Line);
        Assert.DoesNotContain("LineNumber", ex.Message, StringComparison.Ordinal);
    }
}
