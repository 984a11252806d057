namespace FastProxy.Policy;

/// <summary>What <see cref="PolicyCompiler.CompileAsync"/> produced: a policy, or the errors that refused the document.</summary>
public sealed class PolicyCompileResult
{
    public PolicyCompileResult(CompiledPolicy? policy, IReadOnlyList<PolicyDiagnostic> errors, IReadOnlyList<PolicyDiagnostic> warnings, IReadOnlyList<PolicyTestResult> testResults)
    {
        Policy = policy;
        Errors = errors;
        Warnings = warnings;
        TestResults = testResults;
    }

    /// <summary>The compiled policy; null when the document was refused.</summary>
    public CompiledPolicy? Policy { get; }

    public IReadOnlyList<PolicyDiagnostic> Errors { get; }

    public IReadOnlyList<PolicyDiagnostic> Warnings { get; }

    public IReadOnlyList<PolicyTestResult> TestResults { get; }

    public bool Success => Policy is not null && Errors.Count == 0;
}
