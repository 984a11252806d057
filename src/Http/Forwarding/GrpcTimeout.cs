using System.Buffers.Text;

namespace FastProxy.Http.Forwarding;

/// <summary>
/// The <c>grpc-timeout</c> request field (gRPC over HTTP/2, PROTOCOL-HTTP2.md): TimeoutValue (1 to 8 ASCII digits)
/// followed by TimeoutUnit (H hours, M minutes, S seconds, m milliseconds, u microseconds, n nanoseconds).
/// </summary>
internal static class GrpcTimeout
{
    /// <summary>The spec's bound on TimeoutValue: at most 8 digits.</summary>
    public const int MaxDigits = 8;

    /// <summary>Room for the longest value the proxy writes: 8 digits and a unit.</summary>
    public const int MaxLength = MaxDigits + 1;

    private const long MaxValue = 99_999_999;

    /// <summary>Parses <paramref name="value"/>; false when it breaks the grammar (no digits, more than 8, an unknown unit, anything else).</summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length is < 2 or > MaxLength)
        {
            return false;
        }

        long amount = 0;
        var digits = value[..^1];
        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            amount = (amount * 10) + (b - '0');
        }

        // Ticks are 100 ns; the largest value (99,999,999 hours) is about 3.6e18 ticks, within a long.
        long ticks;
        switch (value[^1])
        {
            case (byte)'H': ticks = amount * TimeSpan.TicksPerHour; break;
            case (byte)'M': ticks = amount * TimeSpan.TicksPerMinute; break;
            case (byte)'S': ticks = amount * TimeSpan.TicksPerSecond; break;
            case (byte)'m': ticks = amount * TimeSpan.TicksPerMillisecond; break;
            case (byte)'u': ticks = amount * TimeSpan.TicksPerMicrosecond; break;
            case (byte)'n': ticks = amount / 100; break;
            default: return false;
        }

        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>
    /// Writes <paramref name="timeout"/> (positive) in the finest unit whose value fits in 8 digits, rounded down (the
    /// upstream gives up no later than the proxy does) but never to zero. Returns the bytes written.
    /// </summary>
    public static int Format(TimeSpan timeout, Span<byte> destination)
    {
        var ticks = Math.Max(timeout.Ticks, 0);
        long amount;
        byte unit;
        if (ticks <= MaxValue / 100)
        {
            (amount, unit) = (ticks * 100, (byte)'n');
        }
        else if (ticks / TimeSpan.TicksPerMicrosecond <= MaxValue)
        {
            (amount, unit) = (ticks / TimeSpan.TicksPerMicrosecond, (byte)'u');
        }
        else if (ticks / TimeSpan.TicksPerMillisecond <= MaxValue)
        {
            (amount, unit) = (ticks / TimeSpan.TicksPerMillisecond, (byte)'m');
        }
        else if (ticks / TimeSpan.TicksPerSecond <= MaxValue)
        {
            (amount, unit) = (ticks / TimeSpan.TicksPerSecond, (byte)'S');
        }
        else if (ticks / TimeSpan.TicksPerMinute <= MaxValue)
        {
            (amount, unit) = (ticks / TimeSpan.TicksPerMinute, (byte)'M');
        }
        else
        {
            (amount, unit) = (Math.Min(ticks / TimeSpan.TicksPerHour, MaxValue), (byte)'H');
        }

        Utf8Formatter.TryFormat(Math.Max(amount, 1), destination, out var written);
        destination[written] = unit;
        return written + 1;
    }
}
