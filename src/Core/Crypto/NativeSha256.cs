using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace FastProxy.Core.Crypto;

/// <summary>
/// SHA-256 through OpenSSL's low-level SHA256_Init/Update/Final: the same libcrypto, and the same
/// SHA-NI code, that .NET's SHA-256 reaches through EVP, minus OpenSSL 3's EVP fixed cost (~250 ns
/// per hash: a context re-initialisation with an implicit algorithm fetch), which is as much as
/// hashing ~800 bytes. Used per request where a hash is per request: the JWS signing input of a
/// token-cache miss, and each audit record's chain hash.
/// <para>
/// The context lives on the caller's stack, so the functions are thread-safe and allocate nothing.
/// <see cref="IsAvailable"/> is true only after a known-answer check against .NET's SHA-256; callers
/// fall back to <see cref="SHA256"/> otherwise (no libcrypto.so.3, another OS).
/// </para>
/// </summary>
public static class NativeSha256
{
    /// <summary>Bytes of a SHA-256 hash.</summary>
    public const int HashBytes = 32;

    /// <summary>sizeof(SHA256_CTX) is 112 bytes (8 state words, 2 length words, a 64-byte block, 2 ints); room to spare.</summary>
    private const int ContextBytes = 256;

    private const string Library = "libcrypto.so.3";

    /// <summary>True when the native functions exist and agree with .NET's SHA-256.</summary>
    public static bool IsAvailable { get; } = Check();

    /// <summary>Writes SHA-256(<paramref name="data"/>) to <paramref name="destination"/> (at least 32 bytes). Only when <see cref="IsAvailable"/>.</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination) => Hash(data, [], destination);

    /// <summary>Writes SHA-256(<paramref name="first"/> || <paramref name="second"/>) to <paramref name="destination"/>. Only when <see cref="IsAvailable"/>.</summary>
    public static void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
    {
        Span<byte> context = stackalloc byte[ContextBytes];
        ref var ctx = ref MemoryMarshal.GetReference(context);

        // Each call returns 1; they cannot fail for a valid context (OpenSSL's sha256.c), but fail closed if one does.
        if (destination.Length < HashBytes
            || Init(ref ctx) != 1
            || Update(ref ctx, ref MemoryMarshal.GetReference(first), (nuint)first.Length) != 1
            || Update(ref ctx, ref MemoryMarshal.GetReference(second), (nuint)second.Length) != 1
            || Final(ref MemoryMarshal.GetReference(destination), ref ctx) != 1)
        {
            throw new CryptographicException("SHA-256 failed");
        }
    }

    /// <summary>Known-answer check on inputs that straddle block boundaries, split at several points.</summary>
    private static bool Check()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            var input = new byte[200];
            for (var i = 0; i < input.Length; i++)
            {
                input[i] = (byte)(i * 31);
            }

            Span<byte> native = stackalloc byte[HashBytes];
            Span<byte> expected = stackalloc byte[HashBytes];
            foreach (var split in (ReadOnlySpan<int>)[0, 1, 32, 55, 56, 64, 119, 200])
            {
                for (var length = split; length <= input.Length; length += 37)
                {
                    Hash(input.AsSpan(0, split), input.AsSpan(split, length - split), native);
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

    [DllImport(Library, EntryPoint = "SHA256_Init", ExactSpelling = true)]
    private static extern int Init(ref byte context);

    [DllImport(Library, EntryPoint = "SHA256_Update", ExactSpelling = true)]
    private static extern int Update(ref byte context, ref byte data, nuint length);

    [DllImport(Library, EntryPoint = "SHA256_Final", ExactSpelling = true)]
    private static extern int Final(ref byte digest, ref byte context);
}
