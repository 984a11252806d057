using FastProxy.Core.Gate;

namespace FastProxy.Policy.Upstream;

/// <summary>
/// The identity header fields for one (principal, route), rendered once and cached on the
/// principal: forwarding a cached token's request writes these bytes and allocates nothing.
/// </summary>
internal sealed class UpstreamIdentity : IUpstreamIdentity
{
    public UpstreamIdentity(HeaderFields headers, long validUntilUtcTicks, string? assertionId)
    {
        Headers = headers;
        ValidUntilUtcTicks = validUntilUtcTicks;
        AssertionId = assertionId;
    }

    public HeaderFields Headers { get; }

    /// <summary>When a contained assertion stops being fresh enough to send (then it is minted again).</summary>
    public long ValidUntilUtcTicks { get; }

    /// <summary>The jti of the assertion (links upstream requests to the decision that minted it).</summary>
    public string? AssertionId { get; }
}
