using System.Buffers;

namespace FastProxy.Core.Gate;

/// <summary>
/// Identity the gate asks the forwarder to pass upstream for an allowed request: extra header
/// lines (principal headers, a signed assertion). Implementations are cached per principal and
/// route, so forwarding them allocates nothing.
/// </summary>
public interface IUpstreamIdentity
{
    /// <summary>Writes complete header lines ("name: value\r\n") to <paramref name="writer"/>.</summary>
    void WriteHeaders(IBufferWriter<byte> writer);
}
