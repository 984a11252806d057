using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Core.Transport.Epoll;

/// <summary>
/// FastProxy's own socket readiness engine on Linux x86-64: one <see cref="EpollLoop"/> (thread + epoll set) per
/// CPU the process may run on, sockets spread round robin. Used for connection input and upstream connects;
/// sends stay on .NET's socket engine, which only sees a socket whose send buffer filled up.
/// Process-wide: loops live as long as the process (their threads are background threads).
/// </summary>
public sealed class EpollEngine
{
    private static readonly Lock s_sync = new();
    private static EpollEngine? s_shared;

    private readonly EpollLoop[] _loops;
    private int _next;

    private EpollEngine(int loops, ILogger logger)
    {
        _loops = new EpollLoop[loops];
        for (var i = 0; i < loops; i++)
        {
            _loops[i] = new EpollLoop(i, logger);
        }
    }

    /// <summary>Whether this platform has the engine (Linux on x86-64).</summary>
    public static bool IsSupported => EpollInterop.IsSupported;

    /// <summary>The process's engine, created on first use with one loop per available CPU.</summary>
    public static EpollEngine Shared(ILogger? logger = null)
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("The epoll engine needs Linux on x86-64.");
        }

        lock (s_sync)
        {
            return s_shared ??= new EpollEngine(Math.Max(1, Environment.ProcessorCount), logger ?? NullLogger.Instance);
        }
    }

    public int LoopCount => _loops.Length;

    internal EpollLoop NextLoop()
    {
        var index = (uint)Interlocked.Increment(ref _next) % (uint)_loops.Length;
        return _loops[index];
    }

    /// <summary>Waits until a non-blocking connect on <paramref name="socket"/> finished (writable or failed).</summary>
    internal async ValueTask WaitConnectedAsync(Socket socket, CancellationToken cancellationToken)
    {
        var loop = NextLoop();
        var waiter = new ConnectWaiter();
        using (var registration = loop.Add(socket, waiter, EpollInterop.EpollOut))
        {
            try
            {
                await waiter.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                // The socket is still ours and open: take it out so its reader can add it for input.
                loop.Delete(socket);
            }
        }
    }

    /// <summary>
    /// Completes on the loop's thread and lets the connecting request continue right there (no thread-pool
    /// hop): on a one-core proxy a hop per new upstream connection showed up as context switches whenever
    /// the pool had to open connections under load.
    /// </summary>
    private sealed class ConnectWaiter : TaskCompletionSource, IEpollHandler
    {
        public void OnEpollEvents(uint events) => TrySetResult();
    }
}
