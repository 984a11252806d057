namespace FastProxy.Core.Transport;

/// <summary>
/// Serves one accepted connection until it ends. <paramref name="shuttingDown"/> fires when the
/// listener starts draining: finish the current exchange, then return. The listener disposes
/// the connection after the handler returns (or aborts it if the handler throws).
/// </summary>
public delegate Task ConnectionHandler(SocketConnection connection, CancellationToken shuttingDown);
