using System.Buffers;
using System.Text.Json;

namespace FastProxy.Policy.Identity;

/// <summary>
/// A token <see cref="JwsValidator"/> accepted: the provider that vouches for it and its payload,
/// parsed once. <see cref="Payload"/> reads a pooled buffer: use it (build the principal) before
/// <see cref="Dispose"/>, which returns the buffer; dispose exactly once.
/// </summary>
internal readonly struct ValidatedJws : IDisposable
{
    private readonly JsonDocument? _document;
    private readonly byte[]? _buffer;

    public ValidatedJws(IdentityProvider provider, long keyGeneration, JsonDocument document, byte[] buffer)
    {
        Provider = provider;
        KeyGeneration = keyGeneration;
        _document = document;
        _buffer = buffer;
    }

    public IdentityProvider Provider { get; }

    /// <summary>Generation of the key snapshot whose key verified the signature.</summary>
    public long KeyGeneration { get; }

    /// <summary>The JWT claims set (RFC 7519 §4), a JSON object.</summary>
    public JsonElement Payload => _document!.RootElement;

    public void Dispose()
    {
        _document?.Dispose();
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}
