using System.Text;
using FastProxy.Host.Config;

namespace FastProxy.Host.Tests.Config;

public class YamlToJsonConverterTests
{
    [Theory]
    [InlineData("a: 1", """{"a":1}""")]
    [InlineData("a: [1, two, 'three', \"4\"]", """{"a":[1,"two","three","4"]}""")]
    [InlineData("a:\n  - x\n  - y: 1\n    z: 2", """{"a":["x",{"y":1,"z":2}]}""")]
    [InlineData("a: { b: { c: [] } }", """{"a":{"b":{"c":[]}}}""")]
    [InlineData("a: |\n  line1\n  line2\n", """{"a":"line1\nline2\n"}""")]
    [InlineData("a: >\n  folded\n  text\n", """{"a":"folded text\n"}""")]
    [InlineData("a: 'it''s'", """{"a":"it\u0027s"}""")]
    [InlineData("a: \"tab\\there\"", """{"a":"tab\there"}""")]
    [InlineData("a: yes\nb: on\nc: no", """{"a":"yes","b":"on","c":"no"}""")]
    [InlineData("a: 'true'\nb: true\nc: \"null\"\nd: null\ne: ~\nf:", """{"a":"true","b":true,"c":"null","d":null,"e":null,"f":null}""")]
    [InlineData("a: 0x1F\nb: 0o17\nc: +5\nd: -007\ne: 1.\nf: .5\ng: 1e3", """{"a":31,"b":15,"c":5,"d":-7,"e":1,"f":0.5,"g":1e3}""")]
    [InlineData("a: .inf\nb: .nan\nc: 1.2.3\nd: 10.0.0.0/8", """{"a":".inf","b":".nan","c":"1.2.3","d":"10.0.0.0/8"}""")]
    [InlineData("a: 127.0.0.1:8080\nb: /orders/**\nc: https://x/y", """{"a":"127.0.0.1:8080","b":"/orders/**","c":"https://x/y"}""")]
    [InlineData("# only a comment\n", "{}")]
    [InlineData("", "{}")]
    [InlineData("---\na: 1\n...\n", """{"a":1}""")]
    [InlineData("- 1\n- 2", "[1,2]")]
    public void Convert_SupportedYaml_ExpectedJson(string yaml, string expected)
    {
        var json = Encoding.UTF8.GetString(YamlToJsonConverter.Convert(yaml, new LineMap()));

        Assert.Equal(expected, json);
    }

    [Theory]
    [InlineData("a: &anchor 1\nb: 2", "a", 1, "anchors")]
    [InlineData("a: 1\nb:\n  c: *x\n", "b.c", 3, "aliases (*x)")]
    [InlineData("a:\n  b: !!str 5\n", "a.b", 2, "tags")]
    [InlineData("a:\n  - !custom x\n", "a[0]", 2, "tags")]
    [InlineData("a: 1\n---\nb: 2\n", "", 2, "more than one YAML document")]
    [InlineData("a: 1\nb: 2\na: 3\n", "a", 3, "duplicate key 'a'")]
    [InlineData("a:\n  ? [x, y]\n  : 1\n", "a", 2, "mapping keys")]
    public void Convert_RefusedFeature_ErrorWithPathAndLine(string yaml, string path, int line, string message)
    {
        var ex = Assert.Throws<ConfigSyntaxException>(() => YamlToJsonConverter.Convert(yaml, new LineMap()));

        Assert.Equal(path, ex.DocumentPath);
        Assert.Equal(line, ex.Line);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_Alias_RefusedNamingAlias()
    {
        // The anchor is refused before the alias that would repeat it is reached.
        var ex = Assert.Throws<ConfigSyntaxException>(() => YamlToJsonConverter.Convert("a: &x 1\nb: *x\n", new LineMap()));

        Assert.Contains("anchors (&x)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_DeepNesting_Refused()
    {
        var yaml = "a: " + new string('[', 100) + new string(']', 100);

        var ex = Assert.Throws<ConfigSyntaxException>(() => YamlToJsonConverter.Convert(yaml, new LineMap()));

        Assert.Contains("nesting deeper than 64", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_BlockDocument_RecordsLineOfEveryNode()
    {
        var lines = new LineMap();

        YamlToJsonConverter.Convert("a:\n  b:\n    - x\n    - c: 1\n\n      d: [1,\n          2]\n", lines);

        Assert.Equal(1, lines.Find("a"));
        Assert.Equal(2, lines.Find("a.b"));
        Assert.Equal(3, lines.Find("a.b[0]"));
        Assert.Equal(4, lines.Find("a.b[1]"));
        Assert.Equal(4, lines.Find("a.b[1].c"));
        Assert.Equal(6, lines.Find("a.b[1].d"));
        Assert.Equal(7, lines.Find("a.b[1].d[1]"));
    }
}
