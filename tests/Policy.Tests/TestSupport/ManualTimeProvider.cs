namespace FastProxy.Policy.Tests.TestSupport;

/// <summary>A clock tests move by hand. Timers are real (tests trigger refreshes explicitly).</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public ManualTimeProvider()
        : this(TimeProvider.System.GetUtcNow())
    {
    }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
