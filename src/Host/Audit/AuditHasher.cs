using System.Security.Cryptography;
using FastProxy.Core.Crypto;

namespace FastProxy.Host.Audit;

/// <summary>
/// SHA-256 of one record's hash input (`prev || canonical`), called once per record by the writer.
/// <para>
/// Where OpenSSL's low-level SHA-256 is usable (<see cref="NativeSha256"/>) it runs there: OpenSSL 3's
/// EVP layer, which .NET's SHA-256 goes through, costs ~250 ns of fixed overhead per hash, about as
/// much as hashing the ~700 bytes of a record (AuditBenchmark). Elsewhere a reused
/// <see cref="IncrementalHash"/> does the work.
/// </para>
/// </summary>
internal sealed class AuditHasher : IDisposable
{
    private readonly IncrementalHash? _managed;

    public AuditHasher()
        : this(preferNative: true)
    {
    }

    /// <summary><paramref name="preferNative"/> false: always the managed path (tests compare the two).</summary>
    internal AuditHasher(bool preferNative)
    {
        if (!preferNative || !NativeSha256.IsAvailable)
        {
            _managed = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }
    }

    /// <summary>True when the low-level OpenSSL path is in use (for the benchmark and the tests).</summary>
    public bool IsNative => _managed is null;

    /// <summary>Writes SHA-256(<paramref name="first"/> || <paramref name="second"/>) to <paramref name="destination"/> (32 bytes).</summary>
    public void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
    {
        if (_managed is null)
        {
            NativeSha256.Hash(first, second, destination);
            return;
        }

        _managed.AppendData(first);
        _managed.AppendData(second);
        _ = _managed.GetHashAndReset(destination);
    }

    public void Dispose() => _managed?.Dispose();
}
