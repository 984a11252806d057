using System.Runtime.InteropServices;

namespace FastProxy.Policy.Crypto;

/// <summary>
/// The OpenSSL 3 calls behind <see cref="NativeRsaVerifier"/>: the same libcrypto .NET uses on Linux,
/// called directly so a verification context is built once and reused (EVP_PKEY_verify(3) allows
/// repeated verifies after one EVP_PKEY_verify_init).
/// </summary>
internal static unsafe partial class LibCrypto
{
    public const int RsaPkcs1Padding = 1;

    private const string Library = "libcrypto.so.3";

    [LibraryImport(Library)]
    public static partial nint EVP_PKEY_CTX_new(nint pkey, nint engine);

    [LibraryImport(Library)]
    public static partial void EVP_PKEY_CTX_free(nint ctx);

    [LibraryImport(Library)]
    public static partial int EVP_PKEY_verify_init(nint ctx);

    [LibraryImport(Library)]
    public static partial int EVP_PKEY_CTX_set_rsa_padding(nint ctx, int padding);

    [LibraryImport(Library)]
    public static partial int EVP_PKEY_CTX_set_signature_md(nint ctx, nint md);

    [LibraryImport(Library)]
    public static partial nint EVP_sha256();

    [LibraryImport(Library)]
    public static partial nint EVP_sha384();

    [LibraryImport(Library)]
    public static partial nint EVP_sha512();

    [LibraryImport(Library)]
    public static partial int EVP_PKEY_verify(nint ctx, byte* signature, nuint signatureLength, byte* digest, nuint digestLength);

    [LibraryImport(Library)]
    public static partial void ERR_clear_error();
}
