using System.Runtime.InteropServices;

namespace FastProxy.Core.Processes;

/// <summary>
/// Takes SIGHUP back from an inherited "ignore" before the reload handler is registered. A proxy started under
/// nohup(1), or by a supervisor that ignores SIGHUP, inherits SIG_IGN for it, and .NET leaves an inherited SIG_IGN in
/// place: SIGHUP would then never reach the handler, and `kill -HUP` would silently not reload. SIGHUP means "reload"
/// here (as for nginx and HAProxy, which install their handler whatever they inherited), and the handler cancels the
/// default action, so restoring the default never lets a hangup end the process.
/// </summary>
public static partial class SighupDisposition
{
    private const int Sighup = 1;

    private static readonly nint SigDfl = 0;

    private static readonly nint SigErr = -1;

    /// <summary>Resets SIGHUP to its default action if it was inherited as ignored; true when it had been ignored.</summary>
    public static bool RestoreIfIgnored()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        var previous = signal(Sighup, SigDfl);
        return previous != SigErr && previous == 1; // SIG_IGN
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint signal(int signum, nint handler);
}
