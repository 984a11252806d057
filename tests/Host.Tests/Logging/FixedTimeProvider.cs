namespace FastProxy.Host.Tests.Logging;

/// <summary>A clock that always reads the same instant, so log lines can be compared exactly.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
