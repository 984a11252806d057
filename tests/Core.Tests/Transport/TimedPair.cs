using FastProxy.Core.Timing;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Core.Tests.Transport;

/// <summary>A connected pair and the fake clock and heartbeat its deadlines run on.</summary>
internal sealed record TimedPair(SocketPair Pair, FakeTimeProvider Time, Heartbeat Heartbeat) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await Pair.DisposeAsync();
        Heartbeat.Dispose();
    }
}
