namespace FastProxy.Http.Http2.HPack;

/// <summary>
/// Receives each decoded field. Taken as a generic <c>ref</c> parameter by <see cref="HPackDecoder"/>, so a struct
/// handler is called directly, neither boxed nor copied. The spans are valid only during the call.
/// </summary>
public interface IHeaderHandler
{
    void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);
}
