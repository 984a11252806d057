using System.Diagnostics.CodeAnalysis;

namespace FastProxy.Host.Cli;

/// <summary>Either a parsed <see cref="CliInvocation"/> or a message saying what is wrong (the caller exits with 2).</summary>
public sealed class CliParseResult
{
    private CliParseResult(CliInvocation? invocation, string? error)
    {
        Invocation = invocation;
        Error = error;
    }

    public CliInvocation? Invocation { get; }

    public string? Error { get; }

    [MemberNotNullWhen(true, nameof(Invocation))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Success => Invocation is not null;

    /// <summary>The exit code for a usage error.</summary>
    public const int UsageExitCode = 2;

    internal static CliParseResult Ok(CliInvocation invocation) => new(invocation, null);

    internal static CliParseResult Fail(string error) => new(null, error);
}
