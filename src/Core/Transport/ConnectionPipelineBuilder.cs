namespace FastProxy.Core.Transport;

/// <summary>
/// Builds one listener's connection pipeline, Kestrel-style: middleware (<c>Func&lt;ConnectionHandler, ConnectionHandler&gt;</c>)
/// in the order added, the protocol handler last. Built once per listener, so a connection costs no closure: each step is a
/// delegate made here that captures the next one. A middleware such as TLS does its work (handshake), may replace the
/// connection's pipe (<see cref="TransportConnection.UsePipe"/>), calls the next step, and cleans up after it returns.
/// </summary>
public sealed class ConnectionPipelineBuilder
{
    private readonly List<Func<ConnectionHandler, ConnectionHandler>> _middleware = [];

    /// <summary>Adds a step that runs before the ones added after it and before the protocol handler.</summary>
    public ConnectionPipelineBuilder Use(Func<ConnectionHandler, ConnectionHandler> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        _middleware.Add(middleware);
        return this;
    }

    /// <summary>The pipeline ending in <paramref name="protocol"/> (e.g. the HTTP/1.1 handler).</summary>
    public ConnectionHandler Build(ConnectionHandler protocol)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        var next = protocol;
        for (var i = _middleware.Count - 1; i >= 0; i--)
        {
            next = _middleware[i](next) ?? throw new InvalidOperationException($"Connection middleware {i} returned no handler.");
        }

        return next;
    }
}
