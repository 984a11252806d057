namespace FastProxy.Core.Gate;

/// <summary>
/// Read access to a request's header fields, implemented by each protocol's request head
/// (HTTP/1.1 today, HTTP/2 later) so the gate never knows which protocol carried the request.
/// Names are compared ASCII case-insensitively, and as an upstream will read them (HTTP/1.1: a
/// received '_' also matches '-'); values are the field values as received (already trimmed of
/// optional whitespace).
/// </summary>
public interface IRequestHeaders
{
    /// <summary>Finds the first field named <paramref name="name"/>; false when absent.</summary>
    bool TryGetFirst(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value);

    /// <summary>How many fields carry this name (e.g. two Authorization headers are an error).</summary>
    int Count(ReadOnlySpan<byte> name);
}
