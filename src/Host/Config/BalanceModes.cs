namespace FastProxy.Host.Config;

/// <summary>The load-balancing policies a cluster may name.</summary>
public static class BalanceModes
{
    public const string RoundRobin = "round_robin";

    public const string LeastRequests = "least_requests";
}
