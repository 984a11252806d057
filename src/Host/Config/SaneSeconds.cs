namespace FastProxy.Host.Config;

/// <summary>The range every duration in the file must fall in: finite, positive (or zero where allowed), at most a day.</summary>
internal static class SaneSeconds
{
    /// <summary>A day: longer timeouts are almost certainly a unit mistake (milliseconds written as seconds).</summary>
    public const double Max = 86_400;

    public static bool IsValid(double seconds, bool allowZero)
        => double.IsFinite(seconds) && (allowZero ? seconds >= 0 : seconds > 0) && seconds <= Max;

    public static string Message(bool allowZero)
        => allowZero ? "must be a number of seconds from 0 to 86400" : "must be a number of seconds greater than 0 and at most 86400";
}
