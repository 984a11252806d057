using System.Buffers;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Http.Http1;

namespace FastProxy.Http.Tests.Http1;

public class Http1LineWriterTests
{
    [Fact]
    public void Head_WrittenPieceByPiece_ReachesTheOutputOnlyAtCommit()
    {
        var output = new ArrayBufferWriter<byte>();
        var lines = new Http1LineWriter(output);
        lines.Write("HTTP/1.1 "u8);
        lines.WriteNumber(204);
        lines.Write(" No Content\r\n"u8);
        lines.Add("Server"u8, "upstream"u8);

        Assert.Equal(0, output.WrittenCount);

        lines.Write("\r\n"u8);
        lines.Commit();

        Assert.Equal("HTTP/1.1 204 No Content\r\nServer: upstream\r\n\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Add_IsAFieldLine()
    {
        var output = new ArrayBufferWriter<byte>();
        var lines = new Http1LineWriter(output);
        lines.Add("X-Request-Id"u8, "abc"u8);
        lines.Add("Empty"u8, ""u8);
        lines.Commit();

        Assert.Equal("X-Request-Id: abc\r\nEmpty: \r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(20)]
    [InlineData(64)]
    public void Head_LargerThanTheOutputsBuffers_IsWrittenWhole(int bufferSize)
    {
        // Buffers smaller than any piece: every path that refills (a piece split over buffers, a field line that does
        // not fit, a number at a buffer's end) runs, and the bytes come out in order, none lost or doubled.
        var output = new SmallBuffersWriter(bufferSize);
        var lines = new Http1LineWriter(output);
        var longValue = new string('v', 300);
        lines.Write("GET /orders?id=7 HTTP/1.1\r\n"u8);
        lines.Add("Host"u8, "api.example"u8);
        lines.Add("Cookie"u8, Encoding.ASCII.GetBytes(longValue));
        lines.Write("Content-Length: "u8);
        lines.WriteNumber(long.MaxValue);
        lines.Write("\r\n"u8);
        lines.Add("X-Forwarded-For"u8, "192.0.2.1"u8);
        lines.Write("\r\n"u8);
        lines.Commit();

        var expected = "GET /orders?id=7 HTTP/1.1\r\nHost: api.example\r\nCookie: " + longValue
            + "\r\nContent-Length: 9223372036854775807\r\nX-Forwarded-For: 192.0.2.1\r\n\r\n";
        Assert.Equal(expected, output.Text);
    }

    [Fact]
    public void Fields_WrittenThroughTheSinkInterface_AreLines()
    {
        var output = new ArrayBufferWriter<byte>();
        var lines = new Http1LineWriter(output);
        var fields = new HeaderFields.Builder().Add("WWW-Authenticate", "Bearer").Add("Cache-Control", "no-store").Build();
        fields.WriteTo(ref lines);
        lines.Commit();

        Assert.Equal("WWW-Authenticate: Bearer\r\nCache-Control: no-store\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    /// <summary>An output whose buffers hold <c>size</c> bytes (or the size asked for, when more): each one kept apart, as a pipe's segments are.</summary>
    private sealed class SmallBuffersWriter(int size) : IBufferWriter<byte>
    {
        private readonly StringBuilder _written = new();
        private byte[] _current = [];

        public string Text => _written.ToString();

        public void Advance(int count)
        {
            Assert.InRange(count, 0, _current.Length);
            _written.Append(Encoding.ASCII.GetString(_current, 0, count));
            _current = [];
        }

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            _current = new byte[Math.Max(size, sizeHint)];
            return _current;
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
