using FastProxy.Core.Transport;

namespace FastProxy.Core.Upstream;

/// <summary>A pooled connection and when it went idle (TimeProvider timestamp).</summary>
internal readonly record struct IdleConnection(TransportConnection Connection, long IdleSince);
