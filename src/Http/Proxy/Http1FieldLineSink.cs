using System.IO.Pipelines;
using FastProxy.Http.Forwarding;

namespace FastProxy.Http.Proxy;

/// <summary>Writes forwarded fields as HTTP/1.1 field lines ("name: value\r\n", RFC 9112 §5).</summary>
internal readonly struct Http1FieldLineSink(PipeWriter writer) : IHeaderFieldSink
{
    public void WriteField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => Http1HeadWriter.WriteField(writer, name, value);
}
