namespace FastProxy.Host.Config;

/// <summary>`limits:`: every size positive and within a range a real deployment could want.</summary>
internal static class LimitsValidator
{
    /// <summary>16 MiB: far beyond any legitimate request head; a larger cap only helps memory-exhaustion attacks.</summary>
    private const int MaxHeadBytes = 16 * 1024 * 1024;

    private const int MaxRequestRate = 1_000_000;

    public static void Validate(FastProxyConfig config, ConfigErrorSink errors)
    {
        var limits = config.Limits;
        if (limits is null)
        {
            errors.Add("limits", "must be a mapping");
            return;
        }

        // Each listener accept loop needs a socket; a million is already past default fd limits.
        Check(limits.MaxConnections, 1, 1_000_000, "max_connections", errors);
        Check(limits.MaxConnectionsPerAddress, 0, 1_000_000, "max_connections_per_address", errors);
        Check(limits.MaxAcceptsPerSecond, 0, 10_000_000, "max_accepts_per_second", errors);

        // One connection runs its requests one at a time over HTTP/1.1 and a bounded stream count over HTTP/2: a
        // million a second is already past what one connection can carry, so more is a typo, not a limit.
        Check(limits.MaxRequestsPerConnectionPerSecond, 0, MaxRequestRate, "max_requests_per_connection_per_second", errors);
        Check(limits.RequestBurstPerConnection, 0, MaxRequestRate, "request_burst_per_connection", errors);
        if (limits.RequestBurstPerConnection > 0 && limits.MaxRequestsPerConnectionPerSecond == 0)
        {
            errors.Add(
                DocumentPath.Property("limits", "request_burst_per_connection"),
                "has no effect without limits.max_requests_per_connection_per_second; set the rate too, or remove it");
        }

        // RFC 9112 §3: senders and recipients should support request lines of at least 8000 octets;
        // below 256 even ordinary API paths would be refused with 414.
        Check(limits.MaxRequestLineBytes, 256, MaxHeadBytes, "max_request_line_bytes", errors);

        // Browsers alone send a few hundred bytes of headers; below 1 KiB normal requests would get 431.
        Check(limits.MaxHeaderBytes, 1024, MaxHeadBytes, "max_header_bytes", errors);
        Check(limits.MaxHeaderCount, 8, 10_000, "max_header_count", errors);

        if (limits.MaxBodyBytes < 0)
        {
            errors.Add("limits.max_body_bytes", "must be 0 (unlimited) or a positive number of bytes");
        }
    }

    private static void Check(int value, int min, int max, string name, ConfigErrorSink errors)
    {
        if (value < min || value > max)
        {
            errors.Add(DocumentPath.Property("limits", name), $"must be from {min} to {max} (got {value})");
        }
    }
}
