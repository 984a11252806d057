using Microsoft.Extensions.Logging;

namespace FastProxy.Policy.Logging;

/// <summary>Source-generated log messages of the policy engine. Never log tokens or key material.</summary>
internal static partial class PolicyLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Identity provider {Provider}: {Count} verification keys loaded (generation {Generation})")]
    public static partial void KeysLoaded(ILogger logger, string provider, int count, long generation);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Identity provider {Provider}: key fetch failed ({Reason}); serving the last good key set")]
    public static partial void KeyFetchFailed(ILogger logger, string provider, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Identity provider {Provider}: key set older than {MaxAgeSeconds}s and no refresh succeeded; failing closed (503)")]
    public static partial void KeysExpired(ILogger logger, string provider, int maxAgeSeconds);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Identity provider {Provider}: unknown key id, refreshing keys")]
    public static partial void UnknownKidRefresh(ILogger logger, string provider);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "Token refused: {Reason}")]
    public static partial void TokenRefused(ILogger logger, Identity.AuthFailure reason);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Policy document warning at {Path}: {Message}")]
    public static partial void CompileWarning(ILogger logger, string path, string message);
}
