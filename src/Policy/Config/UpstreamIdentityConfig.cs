namespace FastProxy.Policy.Config;

/// <summary>What an allowed request carries upstream about its principal.</summary>
public sealed record UpstreamIdentityConfig
{
    /// <summary>Header name to claim path, e.g. { "x-user": "sub", "x-roles": "roles" }.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Add a short-lived JWT signed by the proxy (header `x-fastproxy-assertion`).</summary>
    public bool Assertion { get; init; }

    /// <summary>Forward the caller's original Authorization header.</summary>
    public bool ForwardAuthorization { get; init; } = true;
}
