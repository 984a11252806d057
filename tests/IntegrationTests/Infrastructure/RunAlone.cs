namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// Tests that measure timing-sensitive behaviour of the real binary under load (reloads and drains while wrk
/// hammers it) run after the parallel tests, alone: on two cores, a dozen other proxies and clients running beside
/// them starve the proxy's thread pool, which also runs its SIGHUP handler and reload loop, for seconds at a time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunAlone
{
    public const string Name = "alone";
}
