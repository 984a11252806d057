namespace FastProxy.Tls.Tests;

/// <summary>How a test writes a private key to a PEM file.</summary>
public enum KeyFormat
{
    /// <summary>"BEGIN PRIVATE KEY".</summary>
    Pkcs8,

    /// <summary>"BEGIN RSA PRIVATE KEY" or "BEGIN EC PRIVATE KEY", whichever the key is.</summary>
    Traditional,

    /// <summary>"BEGIN ENCRYPTED PRIVATE KEY".</summary>
    EncryptedPkcs8,
}
