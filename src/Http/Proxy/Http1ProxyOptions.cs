using FastProxy.Core.Limits;
using FastProxy.Http.Http1;

namespace FastProxy.Http.Proxy;

/// <summary>Operational limits and timeouts of the HTTP/1.1 front end (from config + CLI flags).</summary>
public sealed class Http1ProxyOptions
{
    private readonly string _scheme = "http";

    public Http1Limits Limits { get; init; } = Http1Limits.Default;

    /// <summary>Time allowed from a request's first byte to its complete head (slowloris); 408 after it.</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a keep-alive connection may wait for its next request; also the longest pause inside a body.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Time allowed for the upstream's response head, and the longest pause inside its body.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest request body forwarded (413 above it); 0 for no limit.</summary>
    public long MaxRequestBodyBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>The scheme clients used, for X-Forwarded-Proto ("https" once TLS terminates here).</summary>
    public string Scheme
    {
        get => _scheme;
        init
        {
            _scheme = value;
            SchemeBytes = System.Text.Encoding.ASCII.GetBytes(value);
        }
    }

    internal byte[] SchemeBytes { get; private init; } = "http"u8.ToArray();

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Requests refused by the per-connection rate limit (<see cref="ProxyRuntime.RequestRate"/>), shared by every HTTP/1.1 connection.</summary>
    public RateLimitedRequests RateLimited { get; init; } = new();
}
