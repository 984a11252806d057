using System.IO.Pipelines;
using System.Net;
using FastProxy.Core.Timing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Core.Transport;

/// <summary>
/// One connection as protocol code sees it, whatever carries it (a socket today; TLS over a socket, an
/// in-memory pair in tests): a duplex pipe, the facts about the connection, abort, deadlines and the drain signal.
/// <para>
/// The pipe is layered. <see cref="TransportInput"/>/<see cref="TransportOutput"/> are the transport's own bytes (the
/// socket's); <see cref="Input"/>/<see cref="Output"/> are the top of the stack, the transport's own pipe until a
/// connection middleware puts another on top with <see cref="UsePipe"/> (TLS: the decrypted pipe, fed from the
/// transport's by the middleware). Protocol handlers use only <see cref="Input"/>/<see cref="Output"/>.
/// </para>
/// <para>
/// Cost: an idle connection holds this object and what the transport adds; nothing here allocates per request
/// or per deadline. The top pipe is one reference, and what a security layer negotiated (<see cref="Security"/>) is read
/// from that pipe (<see cref="ISecureDuplexPipe"/>), so a plain-text connection pays nothing for it.
/// </para>
/// </summary>
public abstract partial class TransportConnection : IDuplexPipe, IAsyncDisposable, IHeartbeatHandler
{
    private static long s_nextId;

    private IDuplexPipe? _top;
    private IPEndPoint? _proxiedSource;

    /// <param name="heartbeat">
    /// Drives <see cref="SetTimeout"/>; null: this connection has no deadlines. The derived constructor calls
    /// <see cref="StartDeadlines"/> as its last step (a constructor that throws before must leave nothing registered).
    /// </param>
    /// <param name="listener">The listener the connection was accepted on; null for client-side connections.</param>
    protected TransportConnection(Heartbeat? heartbeat, ListenerInfo? listener)
    {
        Id = Interlocked.Increment(ref s_nextId);
        Listener = listener;
        _heartbeat = heartbeat;
    }

    /// <summary>Process-unique, increasing; use it in logs.</summary>
    public long Id { get; }

    /// <summary>
    /// Bytes from the peer, from the top pipe. <c>IsCompleted</c> after the peer's end of input; a reset throws
    /// <see cref="ConnectionResetException"/>, an abort <see cref="ConnectionAbortedException"/>; <c>IsCanceled</c> after a
    /// deadline (see <see cref="TimedOutReason"/>). Read it after the middleware ran (protocol handlers may cache it then).
    /// </summary>
    public PipeReader Input => _top is null ? TransportInput : _top.Input;

    /// <summary>Bytes to the peer, through the top pipe.</summary>
    public PipeWriter Output => _top is null ? TransportOutput : _top.Output;

    /// <summary>True while no middleware pipe (such as TLS) sits on the transport: <see cref="Input"/> is <see cref="TransportInput"/>.</summary>
    internal bool InputIsTransport => Volatile.Read(ref _top) is null;

    /// <summary>The transport's own input (the socket's), below any pipe a middleware put on top: for that middleware.</summary>
    public abstract PipeReader TransportInput { get; }

    /// <summary>The transport's own output (the socket's), below any pipe a middleware put on top: for that middleware.</summary>
    public abstract PipeWriter TransportOutput { get; }

    /// <summary>The listener this connection was accepted on (index, name, scheme); null for a connection this process opened.</summary>
    public ListenerInfo? Listener { get; }

    /// <summary><c>http</c> or <c>https</c>: the scheme of the listener that accepted the connection (<c>http</c> without one).</summary>
    public string Scheme => Listener?.Scheme ?? ListenerInfo.HttpScheme;

    /// <summary>What the security layer negotiated (SNI, ALPN, client certificate), or null on a plain-text connection.</summary>
    public ConnectionSecurity? Security => (_top as ISecureDuplexPipe)?.Security;

    public abstract IPEndPoint? RemoteEndPoint { get; }

    public abstract IPEndPoint? LocalEndPoint { get; }

    /// <summary>
    /// The client's address: the one a trusted PROXY protocol header named (<see cref="UseProxiedSource"/>), else the
    /// transport peer's; an IPv4-mapped IPv6 address (dual-mode listener) turned back into IPv4. What the gate, the
    /// audit trail and X-Forwarded-For see.
    /// </summary>
    public IPAddress? RemoteAddress => Unmapped(_proxiedSource?.Address ?? RemoteEndPoint?.Address);

    /// <summary>The transport peer's own address (a load balancer's, behind one), whatever a PROXY header said: for limits and trust checks.</summary>
    public IPAddress? TransportRemoteAddress => Unmapped(RemoteEndPoint?.Address);

    /// <summary>The client a trusted PROXY protocol header named; null when none did.</summary>
    public IPEndPoint? ProxiedSource => _proxiedSource;

    /// <summary>
    /// Records the client a PROXY protocol header from a trusted load balancer named (the middleware that read the
    /// header calls it before the next step runs): from then on <see cref="RemoteAddress"/> is that client's.
    /// </summary>
    public void UseProxiedSource(IPEndPoint source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _proxiedSource = source;
    }

    private static IPAddress? Unmapped(IPAddress? address) => address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;

    /// <summary>True once the peer closed its side, reset, or the connection was aborted: no more transport input will come.</summary>
    public abstract bool IsInputEnded { get; }

    /// <summary>True after <see cref="Abort"/>.</summary>
    public abstract bool IsAborted { get; }

    /// <summary>
    /// Sets (null: clears) a callback run once if the transport input fails (the peer reset, an error; not its FIN)
    /// while nobody may be reading it: a proxy waiting on an upstream aborts that upstream at once. It may run on any
    /// thread, or at once when the input has already failed. Transports that cannot tell ignore it.
    /// </summary>
    public virtual void OnInputFailed(Action<object?>? callback, object? state)
    {
    }

    /// <summary>The logger of the transport, for the connection's own events (deadlines).</summary>
    protected internal virtual ILogger Logger => NullLogger.Instance;

    /// <summary>
    /// Puts <paramref name="pipe"/> on top: <see cref="Input"/>/<see cref="Output"/> (and deadlines, which cancel the
    /// pending read of <see cref="Input"/>) use it from now on; the transport's own pipe stays reachable through
    /// <see cref="TransportInput"/>/<see cref="TransportOutput"/>. Call it from a middleware before the next step runs.
    /// A pipe that implements <see cref="ISecureDuplexPipe"/> also provides <see cref="Security"/>. A pipe that implements
    /// <see cref="IAsyncDisposable"/> is closed first when the connection is disposed (a layer whose owner is the
    /// connection, not a middleware frame: TLS to an upstream, whose connection lives on in a pool).
    /// </summary>
    public void UsePipe(IDuplexPipe pipe)
    {
        ArgumentNullException.ThrowIfNull(pipe);
        Volatile.Write(ref _top, pipe);
    }

    /// <summary>Immediate close: the peer sees a reset, pending reads fail with <see cref="ConnectionAbortedException"/>.</summary>
    public abstract void Abort();

    /// <summary>Graceful close: sends what was written, closes, releases everything. Idempotent.</summary>
    public abstract ValueTask DisposeAsync();

    public override string ToString() => $"connection {Id} {RemoteEndPoint}";

    /// <summary>
    /// Closes the pipe on top if it asked to be closed with the connection (<see cref="IAsyncDisposable"/>): the first
    /// step of a derived <see cref="DisposeAsync"/>, while the transport below can still carry what that layer sends last.
    /// </summary>
    protected ValueTask DisposeTopPipeAsync() => Volatile.Read(ref _top) is IAsyncDisposable layer ? layer.DisposeAsync() : default;
}
