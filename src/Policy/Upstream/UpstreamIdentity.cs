using System.Buffers;
using FastProxy.Core.Gate;

namespace FastProxy.Policy.Upstream;

/// <summary>
/// The identity header lines for one (principal, route), rendered once and cached on the
/// principal: forwarding a cached token's request copies these bytes and allocates nothing.
/// </summary>
internal sealed class UpstreamIdentity : IUpstreamIdentity
{
    public UpstreamIdentity(byte[] lines, long validUntilUtcTicks, string? assertionId)
    {
        Lines = lines;
        ValidUntilUtcTicks = validUntilUtcTicks;
        AssertionId = assertionId;
    }

    public byte[] Lines { get; }

    /// <summary>When a contained assertion stops being fresh enough to send (then it is minted again).</summary>
    public long ValidUntilUtcTicks { get; }

    /// <summary>The jti of the assertion (links upstream requests to the decision that minted it).</summary>
    public string? AssertionId { get; }

    public void WriteHeaders(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Lines);
    }
}
