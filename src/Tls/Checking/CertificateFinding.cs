namespace FastProxy.Tls.Checking;

/// <summary>One finding of <c>fastproxy check</c> about a certificate: what, how bad, and a message naming the file.</summary>
public sealed record CertificateFinding(CertificateFindingKind Kind, CertificateFindingSeverity Severity, string Message);
