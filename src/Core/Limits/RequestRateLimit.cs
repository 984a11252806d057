using System.Runtime.InteropServices;

namespace FastProxy.Core.Limits;

/// <summary>
/// How many requests one client connection may start: <see cref="PerSecond"/> on average, <see cref="Burst"/> at once
/// after a pause (`limits.max_requests_per_connection_per_second`, `limits.request_burst_per_connection`).
/// <see cref="PerSecond"/> 0 is no limit.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly record struct RequestRateLimit
{
    /// <summary>No limit: every request passes.</summary>
    public static readonly RequestRateLimit Unlimited;

    /// <summary>A limit of <paramref name="perSecond"/> requests a second (0: none) and <paramref name="burst"/> at once (0: as many as one second's worth).</summary>
    public RequestRateLimit(int perSecond, int burst = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(perSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(burst);
        PerSecond = perSecond;
        Burst = perSecond == 0 ? 0 : burst == 0 ? perSecond : burst;
    }

    public int PerSecond { get; }

    public int Burst { get; }

    public bool IsUnlimited => PerSecond == 0;
}
