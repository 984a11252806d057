using FastProxy.Core.Transport;

namespace FastProxy.Core.Upstream;

/// <summary>
/// A pooled connection, when it went idle (TimeProvider timestamp), and the event loop's progress mark taken then
/// (<see cref="SocketConnection.InputProgressMark"/>, -1 without one): at acquire, whether the kernel must be asked.
/// </summary>
internal readonly record struct IdleConnection(TransportConnection Connection, long IdleSince, long InputMark);
