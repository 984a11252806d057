namespace FastProxy.Host.Cli;

/// <summary>
/// The executable's user-facing output (help, check results, "listening on" lines): the one place that
/// writes to stdout directly. Everything else in Host, including the per-request audit, metrics and
/// observers, logs through LoggerMessage, which the banned-API analyzer enforces.
/// </summary>
internal static class CliOutput
{
    public static void WriteLine(string line)
    {
#pragma warning disable RS0030 // printing to the user is what a command does (BannedSymbols.txt: "Host may print")
        Console.WriteLine(line);
#pragma warning restore RS0030
    }
}
