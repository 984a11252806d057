using System.Buffers;
using FastProxy.Core.Gate;

namespace FastProxy.Http.Http1;

/// <summary>
/// Writes structured header fields as HTTP/1.1 field lines, "name: value\r\n" (RFC 9112 §5).
/// A struct over the output, made per use: the generic <see cref="HeaderFields.WriteTo"/> calls it
/// directly, without boxing or an interface call.
/// </summary>
internal readonly struct Http1FieldLineSink(IBufferWriter<byte> writer) : IHeaderSink
{
    public void Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        writer.Write(name);
        writer.Write(": "u8);
        writer.Write(value);
        writer.Write("\r\n"u8);
    }
}
