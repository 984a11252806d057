namespace FastProxy.Core.Upstream;

/// <summary>How a cluster spreads requests over its endpoints.</summary>
public enum BalancePolicy : byte
{
    /// <summary>Each endpoint in turn, skipping ejected ones.</summary>
    RoundRobin,

    /// <summary>The endpoint with the fewest leases out now; ties go round robin.</summary>
    LeastRequests,
}
