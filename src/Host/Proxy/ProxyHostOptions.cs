using FastProxy.Core.Observability;
using FastProxy.Core.Transport.Epoll;

namespace FastProxy.Host.Proxy;

/// <summary>How the host runs, beside the configuration file itself.</summary>
public sealed class ProxyHostOptions
{
    /// <summary>Directory that relative paths in the configuration (key files) are resolved against.</summary>
    public string BaseDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Plain proxying: no authentication or policy (benchmarks of proxying alone, `--no-auth`).</summary>
    public bool NoAuth { get; init; }

    /// <summary>Connection input through FastProxy's epoll loops (default where supported) rather than .NET's socket engine.</summary>
    public bool UseEpoll { get; init; } = EpollEngine.IsSupported;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Told about every decided request: the audit trail, access log and metrics.</summary>
    public IRequestObserver Observer { get; init; } = NullRequestObserver.Instance;

    /// <summary>on_audit_failure: deny -- refuse authenticated requests while <see cref="Observer"/> cannot record.</summary>
    public bool DenyWhenAuditUnavailable { get; init; }
}
