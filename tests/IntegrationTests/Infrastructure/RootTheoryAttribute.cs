namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// A theory that needs root (it mounts a filesystem): skipped, with the reason, when the tests do not run as root.
/// CI runs them as root.
/// </summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root to mount a small tmpfs (a real full filesystem); run the integration tests as root, as CI does";
        }
    }
}
