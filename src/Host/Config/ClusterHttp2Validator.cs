namespace FastProxy.Host.Config;

/// <summary>`clusters.NAME.http2:`: each setting within what RFC 9113 allows and a real upstream could want.</summary>
internal static class ClusterHttp2Validator
{
    /// <summary>RFC 9113 §6.9.1: a flow-control window cannot exceed 2^31-1 octets.</summary>
    private const int MaxWindow = int.MaxValue;

    public static void Validate(ClusterHttp2Config http2, string path, ConfigErrorSink errors)
    {
        // One stream is the least that serves anything; past 10,000 one connection's failure takes too much with it.
        Check(http2.MaxConcurrentStreams, 1, 10_000, path, "max_concurrent_streams", errors);

        // Below a frame's worth (16 KiB) a response body crawls; the protocol's own default is 65,535.
        Check(http2.InitialWindowSize, 16 * 1024, MaxWindow, path, "initial_window_size", errors);

        // RFC 9113 §6.9.2: the connection window starts at 65,535 and can only be raised by WINDOW_UPDATE.
        Check(http2.ConnectionWindowSize, 65_535, MaxWindow, path, "connection_window_size", errors);
        Check(http2.MaxHeaderListSize, 1024, 16 * 1024 * 1024, path, "max_header_list_size", errors);
        Check(http2.HeaderTableSize, 0, 1024 * 1024, path, "header_table_size", errors);
        Check(http2.MaxFieldBlockBytes, 1024, 16 * 1024 * 1024, path, "max_field_block_bytes", errors);
        Seconds(http2.PingIntervalSeconds, allowZero: true, path, "ping_interval_seconds", errors);
        Seconds(http2.PingTimeoutSeconds, allowZero: false, path, "ping_timeout_seconds", errors);
        Seconds(http2.DrainSeconds, allowZero: true, path, "drain_seconds", errors);
    }

    private static void Check(int value, int min, int max, string path, string name, ConfigErrorSink errors)
    {
        if (value < min || value > max)
        {
            errors.Add(DocumentPath.Property(path, name), $"must be from {min} to {max} (got {value})");
        }
    }

    private static void Seconds(double seconds, bool allowZero, string path, string name, ConfigErrorSink errors)
    {
        if (!SaneSeconds.IsValid(seconds, allowZero))
        {
            errors.Add(DocumentPath.Property(path, name), SaneSeconds.Message(allowZero));
        }
    }
}
