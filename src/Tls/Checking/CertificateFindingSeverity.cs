namespace FastProxy.Tls.Checking;

public enum CertificateFindingSeverity
{
    /// <summary>Works today, needs attention.</summary>
    Warning,

    /// <summary>Refused at load, or clients will refuse it.</summary>
    Error,
}
