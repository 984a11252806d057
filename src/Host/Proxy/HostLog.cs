using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Proxy;

internal static partial class HostLog
{
    [LoggerMessage(2, LogLevel.Information, "configuration reloaded: {Routes} routes, policy {Version}")]
    public static partial void Reloaded(ILogger logger, int routes, string version);

    [LoggerMessage(3, LogLevel.Error, "configuration reload rejected, the previous configuration keeps serving: {Error}")]
    public static partial void ReloadRejected(ILogger logger, string error);

    [LoggerMessage(4, LogLevel.Warning, "listener changes need a restart; the reload keeps the current listeners")]
    public static partial void ListenersNeedRestart(ILogger logger);

    [LoggerMessage(5, LogLevel.Information, "shutting down: draining connections for up to {Seconds}s")]
    public static partial void Draining(ILogger logger, double seconds);

    [LoggerMessage(6, LogLevel.Information, "stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(7, LogLevel.Warning, "policy warning {Path}: {Message}")]
    public static partial void PolicyWarning(ILogger logger, string path, string message);

    [LoggerMessage(8, LogLevel.Error, "listener {Listener}: TLS certificates not reloaded, the previous ones keep serving: {Error}")]
    public static partial void TlsReloadRejected(ILogger logger, string listener, string error);

    [LoggerMessage(9, LogLevel.Information, "SIGHUP was inherited as ignored (nohup or a supervisor); taken back so that SIGHUP reloads the configuration")]
    public static partial void SighupWasIgnored(ILogger logger);
}
