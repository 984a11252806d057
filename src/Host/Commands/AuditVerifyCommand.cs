using FastProxy.Host.Audit;
using FastProxy.Host.Cli;

namespace FastProxy.Host.Commands;

/// <summary>`fastproxy audit verify FILE...`: exit 0 when the chain is intact, 1 naming the first bad record.</summary>
internal static class AuditVerifyCommand
{
    public static Task<int> RunAsync(CliInvocation cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var result = AuditVerifier.Verify(cli.AuditFiles);
        if (result.Intact)
        {
            CliOutput.WriteLine(result.Describe());
            if (result.Note is not null)
            {
                CliOutput.WriteLine($"note: {result.Note}");
            }

            return Task.FromResult(0);
        }

        Console.Error.WriteLine($"fastproxy: audit verify: {result.Describe()}");
        return Task.FromResult(1);
    }
}
