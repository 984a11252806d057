using Microsoft.Extensions.Logging;

namespace FastProxy.Tls.Logging;

/// <summary>Source-generated log messages for TLS (event ids 3000-3099).</summary>
internal static partial class TlsLog
{
    [LoggerMessage(3000, LogLevel.Information, "TLS client certificate rejected: {Reason}")]
    public static partial void ClientCertificateRejected(ILogger logger, string reason);

    [LoggerMessage(3001, LogLevel.Warning, "TLS upstream certificate of {Host} rejected: {Reason}")]
    public static partial void UpstreamCertificateRejected(ILogger logger, string host, string reason);
}
