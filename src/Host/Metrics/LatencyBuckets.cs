using System.Globalization;

namespace FastProxy.Host.Metrics;

/// <summary>
/// Upper bounds of the request latency histogram. Prometheus client defaults (5 ms .. 10 s)
/// extended down to 0.5 ms: a proxy's own latency lives well below 5 ms.
/// </summary>
internal static class LatencyBuckets
{
    /// <summary>Upper bounds in microseconds (the unit the request record carries), ascending.</summary>
    public static readonly long[] BoundsMicroseconds =
    [
        500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000,
    ];

    /// <summary>The same bounds as Prometheus `le` label values (seconds).</summary>
    public static readonly string[] LeText = BuildLeText();

    /// <summary>Number of slots: one per bound plus the overflow (+Inf) slot.</summary>
    public static int SlotCount => BoundsMicroseconds.Length + 1;

    /// <summary>The slot of a duration: the first bound it does not exceed, else the overflow slot.</summary>
    public static int SlotOf(long microseconds)
    {
        var bounds = BoundsMicroseconds;
        for (var i = 0; i < bounds.Length; i++)
        {
            if (microseconds <= bounds[i])
            {
                return i;
            }
        }

        return bounds.Length;
    }

    private static string[] BuildLeText()
    {
        var text = new string[BoundsMicroseconds.Length];
        for (var i = 0; i < text.Length; i++)
        {
            text[i] = (BoundsMicroseconds[i] / 1_000_000.0).ToString(CultureInfo.InvariantCulture);
        }

        return text;
    }
}
