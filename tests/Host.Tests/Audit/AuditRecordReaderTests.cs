using System.Text;
using FastProxy.Host.Audit;

namespace FastProxy.Host.Tests.Audit;

public class AuditRecordReaderTests
{
    private const string Hash = "1a384e269139b6fac0e231cf856325a7c24ad87ffe4e9e347ceb450d99f340d9";
    private const string Prev = "4eeb0463d7a358f7babe4ab9ba365d59cf687dc084453db73165464f6d45909b";

    private static (bool Ok, AuditChainFields Fields, string? Problem) Read(string line)
    {
        var ok = AuditRecordReader.TryReadChainFields(Encoding.ASCII.GetBytes(line), out var fields, out var problem);
        Assert.Equal(ok, problem is null);
        return (ok, fields, problem);
    }

    [Fact]
    public void TryReadChainFields_V1Record_AllMembers()
    {
        var (ok, fields, _) = Read(AuditV1Fixture.File1[1]);

        Assert.True(ok);
        Assert.Equal((1, 1L, 2L), (fields.Version, fields.FileSeq, fields.Seq));
        Assert.Equal(Convert.FromHexString(Prev), fields.Prev);
        Assert.Equal(Convert.FromHexString(Hash), fields.Hash);
    }

    [Fact]
    public void TryReadChainFields_V2FirstRecordOfFile_PrevRead()
    {
        var (ok, fields, _) = Read($$"""{"v":2,"file_seq":4,"seq":1,"outcome":"forwarded","prev":"{{Prev}}","hash":"{{Hash}}"}""");

        Assert.True(ok);
        Assert.Equal((2, 4L, 1L), (fields.Version, fields.FileSeq, fields.Seq));
        Assert.Equal(Convert.FromHexString(Prev), fields.Prev);
    }

    [Fact]
    public void TryReadChainFields_V2LaterRecord_PrevImplied()
    {
        var (ok, fields, _) = Read($$"""{"v":2,"file_seq":4,"seq":9,"principal":{"subject":"a"},"hash":"{{Hash}}"}""");

        Assert.True(ok);
        Assert.Null(fields.Prev);
        Assert.Equal(Convert.FromHexString(Hash), fields.Hash);
    }

    [Theory]
    [InlineData("""{"file_seq":0,"seq":1,"prev":"P","hash":"H"}""", "no schema version")]
    [InlineData("""{"v":3,"file_seq":0,"seq":2,"hash":"H"}""", "unknown schema version 3")]
    [InlineData("""{"v":"2","file_seq":0,"seq":2,"hash":"H"}""", "v is not a schema version")]
    [InlineData("""{"v":2,"file_seq":0,"seq":1,"hash":"H"}""", "no prev in a file's first record")]
    [InlineData("""{"v":2,"file_seq":0,"seq":2,"prev":"P","hash":"H"}""", "prev in a version 2 record after the first of its file")]
    [InlineData("""{"v":1,"file_seq":0,"seq":2,"hash":"H"}""", "no prev")]
    [InlineData("""{"v":2,"seq":2,"hash":"H"}""", "no file_seq")]
    [InlineData("""{"v":2,"file_seq":0,"hash":"H"}""", "no seq")]
    [InlineData("""{"v":2,"file_seq":0,"seq":0,"hash":"H"}""", "seq 0 (records count from 1)")]
    [InlineData("""{"v":2,"file_seq":-1,"seq":2,"hash":"H"}""", "file_seq is not a non-negative integer")]
    [InlineData("""{"v":2,"file_seq":0,"seq":2}""", "no hash")]
    [InlineData("""{"v":2,"file_seq":0,"seq":2,"seq":3,"hash":"H"}""", "a chain member appears twice")]
    [InlineData("""{"v":2,"file_seq":0,"seq":1,"prev":"P","prev":"P","hash":"H"}""", "a chain member appears twice")]
    [InlineData("""{"v":2,"file_seq":0,"seq":2,"hash":"H"} {}""", "not valid JSON")]
    [InlineData("""[1]""", "not a JSON object")]
    public void TryReadChainFields_NotWhatTheWriterProduces_RefusedWithReason(string template, string expected)
    {
        var (ok, _, problem) = Read(template.Replace("\"P\"", $"\"{Prev}\"", StringComparison.Ordinal).Replace("\"H\"", $"\"{Hash}\"", StringComparison.Ordinal));

        Assert.False(ok);
        Assert.Equal(expected, problem);
    }

    [Theory]
    [InlineData("1A384E269139B6FAC0E231CF856325A7C24AD87FFE4E9E347CEB450D99F340D9")]
    [InlineData("1a384e269139b6fac0e231cf856325a7c24ad87ffe4e9e347ceb450d99f340d")]
    [InlineData("\\u0031a384e269139b6fac0e231cf856325a7c24ad87ffe4e9e347ceb450d99f340d9")]
    public void TryReadChainFields_HashNotLowerCaseHex_Refused(string hash)
    {
        var (ok, _, problem) = Read($$"""{"v":2,"file_seq":0,"seq":2,"hash":"{{hash}}"}""");

        Assert.False(ok);
        Assert.Equal("hash is not 64 lower-case hex digits", problem);
    }
}
