using System.Buffers;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Http.Http2.Client;

namespace FastProxy.Http.Proxy;

/// <summary>
/// Fields the proxy adds to a request for an HTTP/2 upstream (X-Request-Id, X-Forwarded-*, the gate's identity
/// fields...): RFC 9113 §8.2.1 wants lowercase names, so each name is lowered on the stack on its way in.
/// </summary>
internal readonly struct Http2UpstreamFieldSink(IHttp2UpstreamStream stream) : IHeaderSink
{
    // Every name the proxy itself adds is shorter; a longer one (a configured identity field) takes a pooled array.
    private const int StackNameBytes = 64;

    public void Add(scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> value) => AddLowercase(stream, name, value);

    public static void AddLowercase(IHttp2UpstreamStream stream, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        byte[]? rented = null;
        var lower = name.Length <= StackNameBytes ? stackalloc byte[StackNameBytes] : (rented = ArrayPool<byte>.Shared.Rent(name.Length));
        try
        {
            Ascii.ToLower(name, lower, out var written);
            stream.AddRequestField(lower[..written], value);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
