using System.Net;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Admin;

internal static partial class AdminLog
{
    [LoggerMessage(60, LogLevel.Information, "admin endpoint listening on http://{EndPoint} (/healthz /readyz /metrics /config /.well-known/jwks.json)")]
    public static partial void Started(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(61, LogLevel.Debug, "admin request refused with {Status}: {Reason}")]
    public static partial void Refused(ILogger logger, int status, string reason);

    [LoggerMessage(62, LogLevel.Warning, "admin endpoint failed to answer {Path}")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(63, LogLevel.Debug, "admin connection ended: {Reason}")]
    public static partial void ConnectionEnded(ILogger logger, string reason);
}
