using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using FastProxy.Core.Limits;

namespace FastProxy.Benchmarks;

/// <summary>
/// The per-connection request rate check (<see cref="RequestRateBucket.TryTake"/>) as a request pays it: one clock read
/// and the bucket arithmetic, admitted (a rate it never reaches) or refused (a bucket kept empty). Budget: 0 B/op.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("HotPath")]
public class RequestRateBucketBenchmark
{
    private RequestRateBucket _admitting;
    private RequestRateBucket _refusing;

    [GlobalSetup]
    public void Setup()
    {
        var now = Stopwatch.GetTimestamp();
        // Far past what config allows (a token a clock tick), so that tens of millions of calls a second never drain it.
        _admitting = new RequestRateBucket(new RequestRateLimit(int.MaxValue, int.MaxValue), Stopwatch.Frequency, now);
        _refusing = new RequestRateBucket(new RequestRateLimit(1, 1), Stopwatch.Frequency, now);
        _refusing.TryTake(now);
    }

    [Benchmark(Baseline = true)]
    public bool Admitted() => _admitting.TryTake(Stopwatch.GetTimestamp());

    [Benchmark]
    public bool Refused() => _refusing.TryTake(Stopwatch.GetTimestamp());
}
