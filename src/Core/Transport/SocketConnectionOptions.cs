using System.Buffers;
using FastProxy.Core.Timing;
using FastProxy.Core.Transport.Epoll;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Core.Transport;

/// <summary>Settings shared by many <see cref="SocketConnection"/>s; build once, reuse for every connection.</summary>
public sealed class SocketConnectionOptions
{
    /// <summary>64 KiB: enough for a large request head plus a body chunk; receiving pauses beyond it (backpressure).</summary>
    public const int DefaultMaxBufferSize = 64 * 1024;

    /// <summary>Where socket buffers come from; defaults to <see cref="PinnedBlockMemoryPool.Shared"/>.</summary>
    public MemoryPool<byte> Pool { get; init; } = PinnedBlockMemoryPool.Shared;

    /// <summary>Receive backpressure: the connection stops reading the socket while this much is received but not consumed.</summary>
    public int MaxReadBufferSize { get; init; } = DefaultMaxBufferSize;

    /// <summary>Disable Nagle: the proxy writes whole heads/chunks and wants them out now.</summary>
    public bool NoDelay { get; init; } = true;

    /// <summary>Drives <see cref="TransportConnection.SetTimeout"/>; without one, deadlines are unavailable.</summary>
    public Heartbeat? Heartbeat { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Input readiness (and upstream connects) through FastProxy's own epoll loops instead of .NET's socket
    /// engine: no speculative receive before each wait. Null: .NET's engine (the only choice off Linux x86-64).
    /// </summary>
    public EpollEngine? Epoll { get; init; }

    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>
    /// Lingering close (RFC 9112 §9.6), for accepted connections: after sending FIN, <see cref="SocketConnection.DisposeAsync"/>
    /// reads and discards input until the peer's FIN for at most this long, so unread request bytes do not make the
    /// kernel answer with a reset that destroys the response still in flight. Zero closes at once.
    /// </summary>
    public TimeSpan LingerTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long <see cref="SocketConnection.DisposeAsync"/> waits for buffered output to reach the socket before aborting.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
