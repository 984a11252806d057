using System.Text;
using FastProxy.Host.Audit;

namespace FastProxy.Host.Tests.Audit;

public class EscapedTextCacheTests
{
    [Fact]
    public void Write_SameInstanceTwice_EscapesOnceAndWritesTheSameBytes()
    {
        var cache = new EscapedTextCache();
        var calls = 0;
        var value = "claim roles contains \"reader\"";

        var first = Write(cache, value, Counting);
        var second = Write(cache, value, Counting);

        Assert.Equal(first, second);
        Assert.Equal(1, calls);
        Assert.Equal(value, System.Text.Json.JsonDocument.Parse(first).RootElement.GetString());

        void Counting(Span<byte> line, ref int position, string text)
        {
            calls++;
            Escape(line, ref position, text);
        }
    }

    [Fact]
    public void Write_AnotherString_WritesItsOwnBytes()
    {
        var cache = new EscapedTextCache();

        Assert.Equal("\"routes[0].allow[0]\"", Write(cache, "routes[0].allow[0]", Escape));
        Assert.Equal("\"routes[1].deny[2]\"", Write(cache, "routes[1].deny[2]", Escape));

        // Equal text in another instance is escaped again: only the instance is trusted, and the bytes match.
        Assert.Equal("\"routes[1].deny[2]\"", Write(cache, new string("routes[1].deny[2]".AsSpan()), Escape));
    }

    [Fact]
    public void Write_LongerThanTheCache_WrittenEveryTimeAndNotKept()
    {
        var cache = new EscapedTextCache();
        var calls = 0;
        var value = new string('x', 2000);

        Assert.Equal('"' + value + '"', Write(cache, value, Counting));
        Assert.Equal('"' + value + '"', Write(cache, value, Counting));
        Assert.Equal(2, calls);

        void Counting(Span<byte> line, ref int position, string text)
        {
            calls++;
            Escape(line, ref position, text);
        }
    }

    private static void Escape(Span<byte> line, ref int position, string value) => AuditJson.WriteString(line, ref position, value.AsSpan());

    private static string Write(EscapedTextCache cache, string value, EscapedTextCache.EscapeText escape)
    {
        var line = new byte[8192];
        var position = 3;
        cache.Write(line, ref position, value, escape);
        return Encoding.ASCII.GetString(line, 3, position - 3);
    }
}
