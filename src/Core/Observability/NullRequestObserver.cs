namespace FastProxy.Core.Observability;

/// <summary>No audit, no access log, no metrics: tests of the data path and benchmarks of proxying alone.</summary>
public sealed class NullRequestObserver : IRequestObserver
{
    public static readonly NullRequestObserver Instance = new();

    private NullRequestObserver()
    {
    }

    public bool IsAuditAvailable => true;

    public void OnRequestCompleted(in RequestRecord record)
    {
    }
}
