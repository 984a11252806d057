using System.Text;
using FastProxy.Http.Http2.HPack;

namespace FastProxy.Http.Tests.Http2.HPack;

/// <summary>Collects decoded fields as strings (UTF-8, as the test vectors' JSON holds them).</summary>
internal sealed class HeaderCollector : IHeaderHandler
{
    public List<(string Name, string Value)> Headers { get; } = [];

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
        Headers.Add((Encoding.UTF8.GetString(name), Encoding.UTF8.GetString(value)));
}
