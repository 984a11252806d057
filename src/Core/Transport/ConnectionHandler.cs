namespace FastProxy.Core.Transport;

/// <summary>
/// Serves one accepted connection until it ends; also one step of a listener's connection pipeline
/// (<see cref="ConnectionPipelineBuilder"/>): a middleware wraps the next step and calls it. <paramref name="shuttingDown"/>
/// fires when the listener starts draining: finish the current exchange, then return. The listener disposes
/// the connection after the pipeline returns (or aborts it if it throws).
/// </summary>
public delegate Task ConnectionHandler(TransportConnection connection, CancellationToken shuttingDown);
