using FastProxy.Core.Gate;
using FastProxy.Http.Http2.Streams;

namespace FastProxy.Http.Proxy;

/// <summary>Structured header fields (a gate denial's, e.g. WWW-Authenticate) added to an HTTP/2 stream's response head; the stream's HPACK encoder owns the wire form.</summary>
internal readonly struct Http2ResponseFieldSink(IHttp2RequestStream stream) : IHeaderSink
{
    public void Add(scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> value) => stream.AddResponseField(name, value);
}
