using System.Text;
using FastProxy.Http.Forwarding;

namespace FastProxy.Http.Tests.Forwarding;

/// <summary>A sink that keeps every field it is given, as text, in order.</summary>
internal readonly struct RecordingFieldSink() : IHeaderFieldSink
{
    public List<(string Name, string Value)> Fields { get; } = [];

    public void WriteField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        => Fields.Add((Encoding.ASCII.GetString(name), Encoding.ASCII.GetString(value)));
}
