namespace FastProxy.Core.Gate;

/// <summary>
/// Where structured header fields go: an HTTP/1.1 field-line writer today, an HPACK encoder next.
/// Names and values arrive as bytes without framing (no colon, no CRLF); the sink owns the wire form
/// (letter case, separators, compression). Callers are generic over the sink, so a struct sink is
/// neither boxed nor called through an interface.
/// </summary>
public interface IHeaderSink
{
    /// <summary>Adds one field: <paramref name="name"/> is a token, <paramref name="value"/> a field value.</summary>
    /// <remarks>Both spans are <c>scoped</c>: a sink may be a ref struct over the output, and callers pass values formatted on the stack.</remarks>
    void Add(scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> value);
}
