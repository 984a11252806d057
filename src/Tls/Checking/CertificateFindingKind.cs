namespace FastProxy.Tls.Checking;

/// <summary>What <see cref="CertificateChecker"/> found wrong with a certificate.</summary>
public enum CertificateFindingKind
{
    /// <summary>A file is missing or holds no usable certificate or key.</summary>
    Unreadable,

    /// <summary>A certificate of the chain is past its notAfter.</summary>
    Expired,

    /// <summary>A certificate of the chain is before its notBefore.</summary>
    NotYetValid,

    /// <summary>The leaf expires within the warning window.</summary>
    ExpiresSoon,

    /// <summary>The key does not belong to the leaf certificate.</summary>
    KeyMismatch,

    /// <summary>The chain does not end at the given CA (or, without one, at a system-trusted root).</summary>
    ChainNotToCa,

    /// <summary>The chain reaches the CA only through intermediates missing from the certificate file, so clients would not get them.</summary>
    MissingIntermediate,

    /// <summary>The leaf has no DNS, IP or URI subject alternative name; clients ignore the subject CN (RFC 6125).</summary>
    NoSubjectAlternativeName,
}
