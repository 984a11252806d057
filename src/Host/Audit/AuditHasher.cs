using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace FastProxy.Host.Audit;

/// <summary>
/// SHA-256 of one record's hash input (`prev || canonical`), called once per record by the writer.
/// <para>
/// On Linux the hash runs through OpenSSL's low-level SHA256_Init/Update/Final (the same code, and
/// the same SHA-NI instructions, that .NET's own SHA-256 reaches through EVP): OpenSSL 3's EVP
/// layer costs ~250 ns of fixed overhead per hash (a context re-initialisation with an implicit
/// algorithm fetch), about as much as hashing the ~800 bytes of a record (AuditBenchmark). The
/// native path is used only after a known-answer check against <see cref="IncrementalHash"/>;
/// anywhere else (no libcrypto.so.3, another OS, a build without the low-level functions) it falls
/// back to a reused <see cref="IncrementalHash"/>.
/// </para>
/// </summary>
internal sealed class AuditHasher : IDisposable
{
    /// <summary>sizeof(SHA256_CTX) is 112 bytes (8 state words, 2 length words, a 64-byte block, 2 ints); room to spare.</summary>
    private const int ContextBytes = 256;

    private const string LibCrypto = "libcrypto.so.3";

    private static readonly bool NativeUsable = CheckNative();

    private readonly IncrementalHash? _managed;

    /// <summary>The SHA256_CTX: plain data (no pointers inside), so the GC may move it between calls.</summary>
    private readonly byte[]? _context;

    public AuditHasher()
        : this(preferNative: true)
    {
    }

    /// <summary><paramref name="preferNative"/> false: always the managed path (tests compare the two).</summary>
    internal AuditHasher(bool preferNative)
    {
        if (preferNative && NativeUsable)
        {
            _context = new byte[ContextBytes];
        }
        else
        {
            _managed = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }
    }

    /// <summary>True when the low-level OpenSSL path is in use (for the benchmark and the tests).</summary>
    public bool IsNative => _context is not null;

    /// <summary>Writes SHA-256(<paramref name="first"/> || <paramref name="second"/>) to <paramref name="destination"/> (32 bytes).</summary>
    public void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
    {
        if (_context is { } context)
        {
            NativeHash(context, first, second, destination);
            return;
        }

        _managed!.AppendData(first);
        _managed.AppendData(second);
        _ = _managed.GetHashAndReset(destination);
    }

    public void Dispose() => _managed?.Dispose();

    private static void NativeHash(byte[] context, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
    {
        // Each call returns 1 on success; they cannot fail for a valid context (OpenSSL's sha256.c), but fail closed if one does.
        ref var ctx = ref MemoryMarshal.GetArrayDataReference(context);
        if (destination.Length < AuditFormat.HashBytes
            || Sha256Init(ref ctx) != 1
            || Sha256Update(ref ctx, ref MemoryMarshal.GetReference(first), (nuint)first.Length) != 1
            || Sha256Update(ref ctx, ref MemoryMarshal.GetReference(second), (nuint)second.Length) != 1
            || Sha256Final(ref MemoryMarshal.GetReference(destination), ref ctx) != 1)
        {
            throw new CryptographicException("SHA-256 failed");
        }
    }

    /// <summary>Known-answer check: the native path must agree with .NET's SHA-256 on inputs that straddle block boundaries.</summary>
    private static bool CheckNative()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            var context = new byte[ContextBytes];
            var input = new byte[200];
            for (var i = 0; i < input.Length; i++)
            {
                input[i] = (byte)(i * 31);
            }

            Span<byte> native = stackalloc byte[AuditFormat.HashBytes];
            Span<byte> expected = stackalloc byte[AuditFormat.HashBytes];
            foreach (var split in (ReadOnlySpan<int>)[0, 1, 32, 55, 56, 64, 119, 200])
            {
                for (var length = split; length <= input.Length; length += 37)
                {
                    NativeHash(context, input.AsSpan(0, split), input.AsSpan(split, length - split), native);
                    _ = SHA256.HashData(input.AsSpan(0, length), expected);
                    if (!native.SequenceEqual(expected))
                    {
                        return false;
                    }
                }
            }

            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or CryptographicException)
        {
            return false;
        }
    }

    [DllImport(LibCrypto, EntryPoint = "SHA256_Init", ExactSpelling = true)]
    private static extern int Sha256Init(ref byte context);

    [DllImport(LibCrypto, EntryPoint = "SHA256_Update", ExactSpelling = true)]
    private static extern int Sha256Update(ref byte context, ref byte data, nuint length);

    [DllImport(LibCrypto, EntryPoint = "SHA256_Final", ExactSpelling = true)]
    private static extern int Sha256Final(ref byte digest, ref byte context);
}
