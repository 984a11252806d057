namespace FastProxy.Tls.Certificates;

/// <summary>One "-----BEGIN label-----" block of a PEM file, decoded.</summary>
internal readonly record struct PemBlock(string Label, byte[] Der);
