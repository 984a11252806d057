using System.Runtime.InteropServices;

namespace FastProxy.Core.Transport.Epoll;

/// <summary>The few libc calls the epoll engine needs (epoll(7)). Linux only; callers check <see cref="IsSupported"/>.</summary>
internal static unsafe partial class EpollInterop
{
    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollRdHup = 0x2000;
    public const uint EpollEt = 0x80000000;

    public const int CtlAdd = 1;
    public const int CtlDel = 2;

    private const int CloExec = 0x80000;
    private const int Eintr = 4;

    /// <summary>
    /// x86-64 is the one ABI where <c>struct epoll_event</c> is packed (12 bytes); the engine is limited to it
    /// rather than carrying a second layout nobody tests.
    /// </summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    public static int Create()
    {
        var fd = epoll_create1(CloExec);
        return fd >= 0 ? fd : throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Adds or removes <paramref name="fd"/>; returns 0 or the errno.</summary>
    public static int Control(int epfd, int op, int fd, uint events, ulong data)
    {
        var ev = new EpollEvent { Events = events, Data = data };
        return epoll_ctl(epfd, op, fd, &ev) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>Waits for events; EINTR (a signal, e.g. SIGHUP reload) is a wait that returned nothing.</summary>
    public static int Wait(int epfd, EpollEvent* events, int maxEvents)
    {
        var n = epoll_wait(epfd, events, maxEvents, -1);
        if (n >= 0)
        {
            return n;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Eintr ? 0 : throw new InvalidOperationException($"epoll_wait failed: errno {errno}");
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epfd, EpollEvent* events, int maxevents, int timeout);

    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }
}
