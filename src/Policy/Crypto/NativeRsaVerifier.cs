using System.Security.Cryptography;

namespace FastProxy.Policy.Crypto;

/// <summary>
/// RSASSA-PKCS1-v1_5 verification (JWS RS256/RS384/RS512) of one public key with OpenSSL contexts that
/// are initialised once and reused. <see cref="RSA.VerifyHash(ReadOnlySpan{byte}, ReadOnlySpan{byte}, HashAlgorithmName, RSASignaturePadding)"/>
/// builds and initialises a context per call, which on OpenSSL 3 costs ~2.5 us of a ~15 us verify: with the
/// token cache off that is every request. A context serves one thread at a time: contexts are taken from a
/// small lock-free pool and put back (a new one is made when the pool is empty, a surplus one freed).
/// Contexts are freed by the finalizer only, when no thread can be using them.
/// </summary>
internal sealed unsafe class NativeRsaVerifier
{
    private const int PoolSize = 8;

    private static readonly Lazy<bool> s_available = new(Probe);

    private readonly SafeEvpPKeyHandle _key;
    private readonly nint[] _sha256 = new nint[PoolSize];
    private readonly nint[] _sha384 = new nint[PoolSize];
    private readonly nint[] _sha512 = new nint[PoolSize];

    private NativeRsaVerifier(SafeEvpPKeyHandle key)
    {
        _key = key;
    }

#pragma warning disable MA0055 // The pooled contexts are native memory that no thread can be using once this object is unreachable; only then may they be freed.
    ~NativeRsaVerifier()
#pragma warning restore MA0055
    {
        FreeAll(_sha256);
        FreeAll(_sha384);
        FreeAll(_sha512);
    }

    /// <summary>A verifier for <paramref name="publicKey"/>, or null where libcrypto 3 cannot be called (the caller then uses .NET's RSA).</summary>
    public static NativeRsaVerifier? TryCreate(RSA publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        if (!OperatingSystem.IsLinux() || !s_available.Value)
        {
            return null;
        }

        // Our own OpenSSL copy of the public key: the handle stays valid however the caller's RSA is disposed.
        using var copy = new RSAOpenSsl();
        copy.ImportParameters(publicKey.ExportParameters(includePrivateParameters: false));
        return new NativeRsaVerifier(copy.DuplicateKeyHandle());
    }

    /// <summary>Whether <paramref name="signature"/> is a valid PKCS#1 v1.5 signature of <paramref name="digest"/> (SHA-256/384/512 by length).</summary>
    public bool Verify(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature)
    {
        var pool = digest.Length switch
        {
            32 => _sha256,
            48 => _sha384,
            64 => _sha512,
            _ => null,
        };

        if (pool is null || signature.IsEmpty)
        {
            return false;
        }

        var ctx = Rent(pool, digest.Length);
        if (ctx == 0)
        {
            return false;
        }

        int result;
        fixed (byte* s = signature)
        fixed (byte* d = digest)
        {
            result = LibCrypto.EVP_PKEY_verify(ctx, s, (nuint)signature.Length, d, (nuint)digest.Length);
        }

        if (result != 1)
        {
            // A bad signature leaves an error on the thread's OpenSSL queue; .NET's own calls expect it empty.
            LibCrypto.ERR_clear_error();
        }

        Return(pool, ctx);
        GC.KeepAlive(_key);
        return result == 1;
    }

    private static bool Probe()
    {
        try
        {
            return LibCrypto.EVP_sha256() != 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static void Return(nint[] pool, nint ctx)
    {
        for (var i = 0; i < pool.Length; i++)
        {
            if (Interlocked.CompareExchange(ref pool[i], ctx, 0) == 0)
            {
                return;
            }
        }

        LibCrypto.EVP_PKEY_CTX_free(ctx);
    }

    private static void FreeAll(nint[] pool)
    {
        for (var i = 0; i < pool.Length; i++)
        {
            var ctx = Interlocked.Exchange(ref pool[i], 0);
            if (ctx != 0)
            {
                LibCrypto.EVP_PKEY_CTX_free(ctx);
            }
        }
    }

    private nint Rent(nint[] pool, int digestLength)
    {
        for (var i = 0; i < pool.Length; i++)
        {
            var ctx = Interlocked.Exchange(ref pool[i], 0);
            if (ctx != 0)
            {
                return ctx;
            }
        }

        return Create(digestLength);
    }

    private nint Create(int digestLength)
    {
        var ctx = LibCrypto.EVP_PKEY_CTX_new(_key.DangerousGetHandle(), 0);
        if (ctx == 0)
        {
            LibCrypto.ERR_clear_error();
            return 0;
        }

        var md = digestLength switch
        {
            32 => LibCrypto.EVP_sha256(),
            48 => LibCrypto.EVP_sha384(),
            _ => LibCrypto.EVP_sha512(),
        };

        if (LibCrypto.EVP_PKEY_verify_init(ctx) != 1
            || LibCrypto.EVP_PKEY_CTX_set_rsa_padding(ctx, LibCrypto.RsaPkcs1Padding) != 1
            || LibCrypto.EVP_PKEY_CTX_set_signature_md(ctx, md) != 1)
        {
            LibCrypto.ERR_clear_error();
            LibCrypto.EVP_PKEY_CTX_free(ctx);
            return 0;
        }

        return ctx;
    }
}
