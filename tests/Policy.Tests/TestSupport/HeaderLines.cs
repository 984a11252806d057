using System.Text;
using FastProxy.Core.Gate;

namespace FastProxy.Policy.Tests.TestSupport;

/// <summary>Renders structured header fields as "name: value\r\n" lines so tests read them as a client would.</summary>
internal static class HeaderLines
{
    public static string Render(HeaderFields fields)
    {
        var sink = new StringSink(new StringBuilder());
        fields.WriteTo(ref sink);
        return sink.Text.ToString();
    }

    private readonly struct StringSink(StringBuilder text) : IHeaderSink
    {
        public StringBuilder Text => text;

        public void Add(scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> value)
            => text.Append(Encoding.ASCII.GetString(name)).Append(": ").Append(Encoding.UTF8.GetString(value)).Append("\r\n");
    }
}
