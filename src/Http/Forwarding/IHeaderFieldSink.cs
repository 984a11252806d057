namespace FastProxy.Http.Forwarding;

/// <summary>
/// Where the fields of a forwarded head go, one name/value pair at a time: the HTTP/1.1 line writer today, an HPACK
/// encoder for HTTP/2 later. Transforms take it as a generic struct argument, so the call is not virtual.
/// </summary>
internal interface IHeaderFieldSink
{
    void WriteField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);
}
