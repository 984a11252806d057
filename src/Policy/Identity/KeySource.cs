using System.Diagnostics.CodeAnalysis;

namespace FastProxy.Policy.Identity;

/// <summary>Where a provider's verification keys come from: static configuration or an IdP over HTTP.</summary>
internal abstract class KeySource : IAsyncDisposable
{
    private KeySnapshot? _current;

    public KeySnapshot? Current => Volatile.Read(ref _current);

    public abstract bool IsRemote { get; }

    /// <summary>Whether the keys may be used at <paramref name="nowUtcTicks"/> (present and not aged out).</summary>
    public abstract bool IsUsable(long nowUtcTicks);

    /// <summary>
    /// A token names a kid we do not know: start (or join) a refresh and return it, or null when no
    /// refresh will happen (static keys, rate limit, negative cache): false. The task never faults.
    /// </summary>
    public abstract bool TryRefreshForUnknownKid(string kid, long nowUtcTicks, [NotNullWhen(true)] out Task? refresh);

    /// <summary>Loads the first key set (before the proxy reports ready); throws when impossible.</summary>
    public abstract Task StartAsync(CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    protected void Publish(KeySnapshot snapshot) => Volatile.Write(ref _current, snapshot);
}
