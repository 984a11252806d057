namespace FastProxy.Host.Config;

/// <summary>`http2:`: each limit within what RFC 9113 allows and a real deployment could want.</summary>
internal static class Http2Validator
{
    /// <summary>RFC 9113 §6.9.1: a flow-control window cannot exceed 2^31-1 octets.</summary>
    private const int MaxWindow = int.MaxValue;

    public static void Validate(FastProxyConfig config, ConfigErrorSink errors)
    {
        var http2 = config.Http2;
        if (http2 is null)
        {
            errors.Add("http2", "must be a mapping");
            return;
        }

        // RFC 9113 §6.5.2 recommends at least 100 concurrent streams; one is the least that serves anything.
        Check(http2.MaxConcurrentStreams, 1, 10_000, "max_concurrent_streams", errors);

        // Below a frame's worth (16 KiB) a body crawls; the protocol's own default is 65,535.
        Check(http2.InitialWindowSize, 16 * 1024, MaxWindow, "initial_window_size", errors);

        // RFC 9113 §6.9.2: the connection window starts at 65,535 and can only be raised by WINDOW_UPDATE.
        Check(http2.ConnectionWindowSize, 65_535, MaxWindow, "connection_window_size", errors);
        Check(http2.MaxHeaderListSize, 1024, 16 * 1024 * 1024, "max_header_list_size", errors);
        Check(http2.HeaderTableSize, 0, 1024 * 1024, "header_table_size", errors);
        Check(http2.MaxFieldBlockBytes, 1024, 16 * 1024 * 1024, "max_field_block_bytes", errors);
        Check(http2.MaxResetsPerWindow, 1, 1_000_000, "max_resets_per_window", errors);
        Check(http2.MaxControlFramesPerWindow, 10, 10_000_000, "max_control_frames_per_window", errors);
        Seconds(http2.FloodWindowSeconds, "flood_window_seconds", errors);
        Seconds(http2.SendStallSeconds, "send_stall_seconds", errors);
        Seconds(http2.IdleSeconds, "idle_seconds", errors);
    }

    private static void Check(int value, int min, int max, string name, ConfigErrorSink errors)
    {
        if (value < min || value > max)
        {
            errors.Add(DocumentPath.Property("http2", name), $"must be from {min} to {max} (got {value})");
        }
    }

    private static void Seconds(double seconds, string name, ConfigErrorSink errors)
    {
        if (!SaneSeconds.IsValid(seconds, allowZero: false))
        {
            errors.Add(DocumentPath.Property("http2", name), SaneSeconds.Message(allowZero: false));
        }
    }
}
