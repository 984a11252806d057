namespace FastProxy.Core.Gate;

/// <summary>
/// The protocol-neutral view of one request that the gate decides on. Every field is a span
/// into the protocol's receive buffer or a reference built once per connection, so building
/// one allocates nothing.
/// </summary>
public readonly ref struct GateRequest
{
    public GateRequest(
        int routeIndex,
        RequestMethod method,
        ReadOnlySpan<byte> methodBytes,
        ReadOnlySpan<byte> host,
        ReadOnlySpan<byte> path,
        ReadOnlySpan<byte> query,
        IRequestHeaders headers,
        ClientIdentity client,
        Task? settled = null)
    {
        Settled = settled;
        RouteIndex = routeIndex;
        Method = method;
        MethodBytes = methodBytes;
        Host = host;
        Path = path;
        Query = query;
        Headers = headers;
        Client = client;
    }

    /// <summary>Index of the matched route in the configuration's route list (see <see cref="Routing.RouteTable"/>).</summary>
    public int RouteIndex { get; }

    public RequestMethod Method { get; }

    public ReadOnlySpan<byte> MethodBytes { get; }

    /// <summary>Host without port, lower-case as normalised by the protocol layer.</summary>
    public ReadOnlySpan<byte> Host { get; }

    /// <summary>Path component of the target, without the query, as received (not decoded).</summary>
    public ReadOnlySpan<byte> Path { get; }

    /// <summary>Query without the leading '?', empty when absent.</summary>
    public ReadOnlySpan<byte> Query { get; }

    public IRequestHeaders Headers { get; }

    public ClientIdentity Client { get; }

    /// <summary>
    /// On the second evaluation after a <see cref="GateVerdict.Retry"/>: the pending work the first one returned, now
    /// finished (the gate may take its result from it, e.g. a token verified off the event loop); null on a first one.
    /// </summary>
    public Task? Settled { get; }
}
