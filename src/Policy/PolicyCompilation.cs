using FastProxy.Policy.Identity;

namespace FastProxy.Policy;

/// <summary>Working state of one compile: diagnostics, interned claims, provider names.</summary>
internal sealed class PolicyCompilation
{
    public List<PolicyDiagnostic> Errors { get; } = [];

    public List<PolicyDiagnostic> Warnings { get; } = [];

    public ClaimTable Claims { get; } = new();

    public Dictionary<string, int> ProviderIndex { get; } = new(StringComparer.Ordinal);

    public void Error(string path, string message) => Errors.Add(new PolicyDiagnostic(path, message, IsError: true));

    public void Warning(string path, string message) => Warnings.Add(new PolicyDiagnostic(path, message, IsError: false));
}
