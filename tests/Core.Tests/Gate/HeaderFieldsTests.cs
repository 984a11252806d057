using System.Text;
using FastProxy.Core.Gate;

namespace FastProxy.Core.Tests.Gate;

/// <summary>Structured header fields: validated once when built, so no sink can be made to write CRLF into a message.</summary>
public sealed class HeaderFieldsTests
{
    [Theory]
    [InlineData("WWW-Authenticate")]
    [InlineData("x-fastproxy-assertion")]
    [InlineData("!#$%&'*+-.^_`|~09azAZ")]
    public void Create_TokenName_Accepted(string name)
        => Assert.Equal(name, Encoding.ASCII.GetString(HeaderFields.Create(name, "v").NameAt(0)));

    [Theory]
    [InlineData("")]
    [InlineData("X-User: admin")]
    [InlineData("X User")]
    [InlineData("X-User\r\nX-Evil")]
    [InlineData("X-Üser")]
    [InlineData("(comment)")]
    public void Create_NameNotAToken_Refused(string name)
        => Assert.Throws<ArgumentException>(() => HeaderFields.Create(name, "v"));

    [Theory]
    [InlineData("")]
    [InlineData("Bearer realm=\"fastproxy\"")]
    [InlineData("a\tb c")]
    [InlineData("zoë,日本")]
    public void Create_FieldValue_Accepted(string value)
        => Assert.Equal(value, Encoding.UTF8.GetString(HeaderFields.Create("x", value).ValueAt(0)));

    [Theory]
    [InlineData("alice\r\nX-Admin: true")]
    [InlineData("alice\nX-Admin: true")]
    [InlineData("alice\r")]
    [InlineData("a\0b")]
    [InlineData("a\u007Fb")]
    [InlineData("a\u0001b")]
    [InlineData(" leading")]
    [InlineData("trailing\t")]
    public void Create_ValueWithControlsOrSurroundingWhitespace_Refused(string value)
        => Assert.Throws<ArgumentException>(() => HeaderFields.Create("x-user", value));

    [Fact]
    public void WriteTo_EveryFieldInOrder()
    {
        var fields = new HeaderFields.Builder().Add("b", "2").Add("a", "1").Add("b", "3").Build();
        var sink = new RecordingSink([]);

        fields.WriteTo(ref sink);

        Assert.Equal(["b=2", "a=1", "b=3"], sink.Seen);
    }

    [Fact]
    public void Builder_NoFields_IsTheSharedEmptyList()
    {
        Assert.Same(HeaderFields.Empty, new HeaderFields.Builder().Build());
        Assert.Equal(0, HeaderFields.Empty.Count);
    }

    [Fact]
    public void GateDecision_WithoutHeaders_HasEmptyList()
    {
        Assert.Same(HeaderFields.Empty, GateDecision.Allow().ResponseHeaders);
        Assert.Same(HeaderFields.Empty, GateDecision.Deny(403, null, default).ResponseHeaders);
        Assert.Same(HeaderFields.Empty, default(GateDecision).ResponseHeaders);
    }

    private readonly struct RecordingSink(List<string> seen) : IHeaderSink
    {
        public List<string> Seen => seen;

        public void Add(scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> value)
            => seen.Add(Encoding.ASCII.GetString(name) + "=" + Encoding.UTF8.GetString(value));
    }
}
