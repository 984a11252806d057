namespace FastProxy.Policy;

/// <summary>A compile error or warning: where in the document (e.g. "routes[2].allow[0].claim") and what is wrong.</summary>
public sealed record PolicyDiagnostic(string Path, string Message, bool IsError)
{
    public override string ToString() => (IsError ? "error" : "warning") + " at " + Path + ": " + Message;
}
