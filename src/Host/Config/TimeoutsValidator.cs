namespace FastProxy.Host.Config;

/// <summary>`timeouts:`: finite seconds, positive (drain may be 0: stop at once), at most a day.</summary>
internal static class TimeoutsValidator
{
    public static void Validate(FastProxyConfig config, ConfigErrorSink errors)
    {
        var timeouts = config.Timeouts;
        if (timeouts is null)
        {
            errors.Add("timeouts", "must be a mapping");
            return;
        }

        Check(timeouts.HeaderSeconds, "header_seconds", allowZero: false, errors);
        Check(timeouts.IdleSeconds, "idle_seconds", allowZero: false, errors);
        Check(timeouts.ConnectSeconds, "connect_seconds", allowZero: false, errors);
        Check(timeouts.ResponseSeconds, "response_seconds", allowZero: false, errors);
        Check(timeouts.DrainSeconds, "drain_seconds", allowZero: true, errors);
    }

    private static void Check(double seconds, string name, bool allowZero, ConfigErrorSink errors)
    {
        if (!SaneSeconds.IsValid(seconds, allowZero))
        {
            errors.Add(DocumentPath.Property("timeouts", name), SaneSeconds.Message(allowZero));
        }
    }
}
