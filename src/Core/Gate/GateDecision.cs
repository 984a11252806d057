namespace FastProxy.Core.Gate;

/// <summary>
/// The gate's answer for one request. A denial is a result, not an exception: it carries the
/// ready-made response (status, extra header fields, small JSON body) the protocol layer sends,
/// precomputed when the policy was compiled so denying allocates nothing either.
/// </summary>
public readonly struct GateDecision
{
    private readonly HeaderFields? _responseHeaders;

    private GateDecision(GateVerdict verdict, int status, HeaderFields? responseHeaders, ReadOnlyMemory<byte> responseBody, Task? pending, IUpstreamIdentity? upstreamIdentity, bool forwardAuthorization)
    {
        Verdict = verdict;
        Status = status;
        _responseHeaders = responseHeaders;
        ResponseBody = responseBody;
        Pending = pending;
        UpstreamIdentity = upstreamIdentity;
        ForwardAuthorization = forwardAuthorization;
    }

    public GateVerdict Verdict { get; }

    /// <summary>HTTP status for a denial (401, 403, 503, ...); 0 for Allow and Retry.</summary>
    public int Status { get; }

    /// <summary>Header fields to add to a denial response, e.g. WWW-Authenticate; each protocol writes them its own way.</summary>
    public HeaderFields ResponseHeaders => _responseHeaders ?? HeaderFields.Empty;

    /// <summary>Body of a denial response (application/json); may be empty.</summary>
    public ReadOnlyMemory<byte> ResponseBody { get; }

    /// <summary>Work to await before evaluating again (only with <see cref="GateVerdict.Retry"/>).</summary>
    public Task? Pending { get; }

    /// <summary>Identity headers to inject upstream for an allowed request; null for none.</summary>
    public IUpstreamIdentity? UpstreamIdentity { get; }

    /// <summary>Whether the original Authorization header goes upstream (per route).</summary>
    public bool ForwardAuthorization { get; }

    public static GateDecision Allow(IUpstreamIdentity? upstreamIdentity = null, bool forwardAuthorization = true)
        => new(GateVerdict.Allow, 0, null, default, null, upstreamIdentity, forwardAuthorization);

    public static GateDecision Deny(int status, HeaderFields? responseHeaders, ReadOnlyMemory<byte> responseBody)
        => new(GateVerdict.Deny, status, responseHeaders, responseBody, null, null, false);

    public static GateDecision Retry(Task pending)
        => new(GateVerdict.Retry, 0, null, default, pending, null, false);
}
