using System.IO.Pipelines;

namespace FastProxy.Core.Transport;

/// <summary>
/// A pipe a security layer puts on top of a connection (<see cref="TransportConnection.UsePipe"/>): besides the
/// decrypted bytes it carries what the handshake negotiated. The connection finds it there, so it needs no field of its own.
/// </summary>
public interface ISecureDuplexPipe : IDuplexPipe
{
    ConnectionSecurity Security { get; }
}
