using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Commands;

internal static partial class ReloadLog
{
    [LoggerMessage(20, LogLevel.Error, "configuration reload rejected; the previous configuration keeps serving: {Error}")]
    public static partial void Rejected(ILogger logger, string error);
}
