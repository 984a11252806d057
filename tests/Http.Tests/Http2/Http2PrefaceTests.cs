using System.Buffers;
using System.Text;
using FastProxy.Http.Http2;
using FastProxy.Tests.Common;

namespace FastProxy.Http.Tests.Http2;

public sealed class Http2PrefaceTests
{
    [Fact]
    public void TryRead_EveryPrefix_IncompleteAndNothingConsumed()
    {
        var bytes = Http2Preface.Bytes.ToArray();
        for (var i = 0; i < bytes.Length; i++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, i);
            Assert.Equal(Http2ReadStatus.Incomplete, Http2Preface.TryRead(buffer, out var consumed));
            Assert.Equal(buffer.Start, consumed);
        }
    }

    [Fact]
    public void TryRead_PrefaceThenSettingsSplitAnywhere_ConsumesExactlyThePreface()
    {
        byte[] bytes = [.. Http2Preface.Bytes, 0, 0, 0, 4, 0, 0, 0, 0, 0];
        for (var split = 1; split < bytes.Length; split++)
        {
            var buffer = SequenceFactory.Split(bytes, split);
            Assert.Equal(Http2ReadStatus.Complete, Http2Preface.TryRead(buffer, out var consumed));
            Assert.Equal(9, buffer.Slice(consumed).Length);
        }
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\n\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n")]
    [InlineData("PRX")]
    public void TryRead_NotThePreface_Error(string text)
    {
        Assert.Equal(Http2ReadStatus.Error, Http2Preface.TryRead(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), out _));
    }
}
