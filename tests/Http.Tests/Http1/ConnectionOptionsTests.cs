using System.Text;
using FastProxy.Http.Http1;

namespace FastProxy.Http.Tests.Http1;

/// <summary>The bounded set of connection options one head's Connection fields list (RFC 9110 §7.6.1).</summary>
public sealed class ConnectionOptionsTests
{
    private static (ConnectionOptions Options, byte[] Head, Http1ErrorKind Result) Parse(params string[] values)
    {
        var head = Encoding.ASCII.GetBytes(string.Concat(values));
        var options = new ConnectionOptions();
        var offset = 0;
        var result = Http1ErrorKind.None;
        foreach (var value in values)
        {
            result = options.Add(head, offset, value.Length);
            if (result != Http1ErrorKind.None)
            {
                break;
            }

            offset += value.Length;
        }

        return (options, head, result);
    }

    [Fact]
    public void Add_KnownAndUnknownOptions_NamedCaseInsensitively()
    {
        var (options, head, result) = Parse("Keep-Alive, X-Secret ,, upgrade", "close,te");

        Assert.Equal(Http1ErrorKind.None, result);
        Assert.True(options.KeepAlive);
        Assert.True(options.Upgrade);
        Assert.True(options.Close);
        Assert.True(options.Names(head, "x-secret"u8, KnownHeader.Unknown));
        Assert.True(options.Names(head, "TE"u8, KnownHeader.TE));
        Assert.False(options.Names(head, "x-secre"u8, KnownHeader.Unknown));
        Assert.False(options.Names(head, "authorization"u8, KnownHeader.Authorization));
    }

    [Fact]
    public void Add_SameUnknownOptionRepeated_TakesOneSlot()
    {
        var values = Enumerable.Repeat("x-a, ", ConnectionOptions.MaxOptions * 4).ToArray();

        Assert.Equal(Http1ErrorKind.None, Parse(values).Result);
    }

    [Fact]
    public void Add_MoreDistinctOptionsThanTheLimit_Refused()
    {
        var list = string.Join(",", Enumerable.Range(0, ConnectionOptions.MaxOptions + 1).Select(i => $"o{i}"));

        Assert.Equal(Http1ErrorKind.TooManyConnectionOptions, Parse(list).Result);
    }

    [Theory]
    [InlineData("host")]
    [InlineData("Content-Length")]
    [InlineData("TRANSFER-ENCODING")]
    public void Add_FramingOrHostNamed_Refused(string option)
        => Assert.Equal(Http1ErrorKind.ConnectionNamesFraming, Parse("keep-alive, " + option).Result);

    [Fact]
    public void Clear_ForgetsEveryOption()
    {
        var (options, head, _) = Parse("close, x-a, upgrade");

        options.Clear();

        Assert.False(options.Close);
        Assert.False(options.Upgrade);
        Assert.False(options.Names(head, "x-a"u8, KnownHeader.Unknown));
    }
}
