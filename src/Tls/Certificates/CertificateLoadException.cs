namespace FastProxy.Tls.Certificates;

/// <summary>
/// A certificate, key or CA file that cannot be used, with a message naming the file and what is
/// wrong. Thrown only while loading configuration (start, reload, <c>fastproxy check</c>), never
/// during a handshake.
/// </summary>
public sealed class CertificateLoadException : Exception
{
    public CertificateLoadException(string message)
        : base(message)
    {
    }

    public CertificateLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CertificateLoadException()
    {
    }

    /// <summary>True when the files load but the key does not belong to the certificate.</summary>
    public bool IsKeyMismatch { get; init; }
}
