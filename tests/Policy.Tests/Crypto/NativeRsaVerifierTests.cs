using System.Security.Cryptography;
using FastProxy.Policy.Crypto;

namespace FastProxy.Policy.Tests.Crypto;

public sealed class NativeRsaVerifierTests
{
    private static readonly RSA Signer = RSA.Create(2048);
    private static readonly RSA Other = RSA.Create(2048);

    [Theory]
    [InlineData("SHA256")]
    [InlineData("SHA384")]
    [InlineData("SHA512")]
    public void Verify_ValidSignature_True(string hash)
    {
        var (digest, signature) = Sign(Signer, "header.payload"u8.ToArray(), new HashAlgorithmName(hash));

        Assert.True(CreateVerifier(Signer).Verify(digest, signature));
    }

    [Fact]
    public void Verify_TamperedSignatureDigestOrOtherKey_False()
    {
        var (digest, signature) = Sign(Signer, "header.payload"u8.ToArray(), HashAlgorithmName.SHA256);
        var verifier = CreateVerifier(Signer);

        var badSignature = (byte[])signature.Clone();
        badSignature[17] ^= 0x01;
        var badDigest = (byte[])digest.Clone();
        badDigest[0] ^= 0x80;

        Assert.False(verifier.Verify(digest, badSignature));
        Assert.False(verifier.Verify(badDigest, signature));
        Assert.False(CreateVerifier(Other).Verify(digest, signature));
        Assert.False(verifier.Verify(digest, signature.AsSpan(0, 255)));
        Assert.False(verifier.Verify(digest, []));
        Assert.False(verifier.Verify(digest.AsSpan(0, 20), signature));

        // The failures left nothing on OpenSSL's error queue that breaks .NET's own crypto on this thread.
        Assert.True(Signer.VerifyHash(digest, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.True(verifier.Verify(digest, signature));
    }

    [Fact]
    public void Verify_AgreesWithDotNetRsa_OnRandomInputs()
    {
        var verifier = CreateVerifier(Signer);
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var data = new byte[random.Next(1, 600)];
            random.NextBytes(data);
            var (digest, signature) = Sign(random.Next(3) == 0 ? Other : Signer, data, HashAlgorithmName.SHA256);
            if (random.Next(4) == 0)
            {
                signature[random.Next(signature.Length)] ^= (byte)(1 << random.Next(8));
            }

            var expected = Signer.VerifyHash(digest, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            Assert.Equal(expected, verifier.Verify(digest, signature));
        }
    }

    [Fact]
    public async Task Verify_ManyThreadsAtOnce_EachAnswerRight()
    {
        var verifier = CreateVerifier(Signer);
        var (digest, signature) = Sign(Signer, "concurrent"u8.ToArray(), HashAlgorithmName.SHA256);
        var bad = (byte[])signature.Clone();
        bad[^1] ^= 0x01;

        var workers = Enumerable.Range(0, 16).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                var valid = (i + w) % 2 == 0;
                Assert.Equal(valid, verifier.Verify(digest, valid ? signature : bad));
            }
        }));

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));
    }

    private static NativeRsaVerifier CreateVerifier(RSA key)
    {
        var verifier = NativeRsaVerifier.TryCreate(key);
        Assert.NotNull(verifier); // CI runs on Linux with OpenSSL 3: the native path must be the one tested.
        return verifier;
    }

    private static (byte[] Digest, byte[] Signature) Sign(RSA key, byte[] data, HashAlgorithmName hash)
    {
        var digest = hash.Name switch
        {
            "SHA384" => SHA384.HashData(data),
            "SHA512" => SHA512.HashData(data),
            _ => SHA256.HashData(data),
        };

        return (digest, key.SignHash(digest, hash, RSASignaturePadding.Pkcs1));
    }
}
