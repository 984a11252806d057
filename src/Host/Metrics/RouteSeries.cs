namespace FastProxy.Host.Metrics;

/// <summary>
/// Request counters of one route (by id, so totals survive a reload that keeps the id): counts
/// by decision and status, the latency histogram, and body bytes. Updated with
/// <see cref="Interlocked"/> from many request threads; read at scrape time without a lock (a
/// scrape may see one request counted in one family and not yet in another).
/// </summary>
internal sealed class RouteSeries
{
    private const int DecisionCount = 3;

    // One status table per decision, created the first time the route sees that decision
    // (500 slots x 8 B = 4 KB), so the hot path indexes an array instead of hashing a status.
    private readonly long[]?[] _statusCounts = new long[DecisionCount][];
    private readonly long[] _latencySlots = new long[LatencyBuckets.SlotCount];
    private long _durationMicroseconds;
    private long _bytesIn;
    private long _bytesOut;

    public RouteSeries(string id)
    {
        Id = id;
    }

    /// <summary>The route's id: the `route` label value.</summary>
    public string Id { get; }

    public long DurationMicroseconds => Volatile.Read(ref _durationMicroseconds);

    public long BytesIn => Volatile.Read(ref _bytesIn);

    public long BytesOut => Volatile.Read(ref _bytesOut);

    public void Record(RequestDecision decision, int status, long durationMicroseconds, long bytesIn, long bytesOut)
    {
        var counts = Volatile.Read(ref _statusCounts[(int)decision]) ?? CreateStatusCounts(decision);
        Interlocked.Increment(ref counts[StatusCodeText.SlotOf(status)]);

        // A clock step could in theory yield a negative duration; count it in the first bucket.
        var micros = durationMicroseconds < 0 ? 0 : durationMicroseconds;
        Interlocked.Increment(ref _latencySlots[LatencyBuckets.SlotOf(micros)]);
        Interlocked.Add(ref _durationMicroseconds, micros);
        if (bytesIn > 0)
        {
            Interlocked.Add(ref _bytesIn, bytesIn);
        }

        if (bytesOut > 0)
        {
            Interlocked.Add(ref _bytesOut, bytesOut);
        }
    }

    /// <summary>The status table of <paramref name="decision"/>, or null when the route never saw it.</summary>
    public long[]? StatusCounts(RequestDecision decision) => Volatile.Read(ref _statusCounts[(int)decision]);

    /// <summary>Copies the (non-cumulative) latency slot counts into <paramref name="destination"/>.</summary>
    public void CopyLatencySlots(Span<long> destination)
    {
        for (var i = 0; i < _latencySlots.Length; i++)
        {
            destination[i] = Volatile.Read(ref _latencySlots[i]);
        }
    }

    private long[] CreateStatusCounts(RequestDecision decision)
    {
        var fresh = new long[StatusCodeText.SlotCount];
        return Interlocked.CompareExchange(ref _statusCounts[(int)decision], fresh, null) ?? fresh;
    }
}
