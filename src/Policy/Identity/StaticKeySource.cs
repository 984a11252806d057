using System.Diagnostics.CodeAnalysis;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Identity;

/// <summary>Keys from the configuration file: loaded at compile time, never refreshed, never aged out.</summary>
internal sealed class StaticKeySource : KeySource
{
    public StaticKeySource(IReadOnlyList<SecurityKey> keys)
    {
        Publish(new KeySnapshot(keys, 1, KeyLoader.Fingerprint(keys)));
    }

    public override bool IsRemote => false;

    public override bool IsUsable(long nowUtcTicks) => Current is { IsEmpty: false };

    public override bool TryRefreshForUnknownKid(string kid, long nowUtcTicks, [NotNullWhen(true)] out Task? refresh)
    {
        refresh = null;
        return false;
    }

    public override Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
