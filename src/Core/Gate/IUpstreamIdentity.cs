namespace FastProxy.Core.Gate;

/// <summary>
/// Identity the gate asks the forwarder to pass upstream for an allowed request: header fields
/// (principal headers, a signed assertion) that each protocol writes through its own
/// <see cref="IHeaderSink"/>. Implementations are cached per principal and route, so forwarding
/// them allocates nothing.
/// </summary>
public interface IUpstreamIdentity
{
    /// <summary>The fields to add upstream, validated when the identity was built.</summary>
    HeaderFields Headers { get; }
}
