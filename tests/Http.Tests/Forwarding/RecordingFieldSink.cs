using System.Text;
using FastProxy.Core.Gate;

namespace FastProxy.Http.Tests.Forwarding;

/// <summary>A sink that keeps every field it is given, as text, in order.</summary>
internal readonly struct RecordingFieldSink() : IHeaderSink
{
    public List<(string Name, string Value)> Fields { get; } = [];

    public void Add(scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> value)
        => Fields.Add((Encoding.ASCII.GetString(name), Encoding.ASCII.GetString(value)));
}
