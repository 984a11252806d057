using FastProxy.Core.Gate;
using FastProxy.Policy.Identity;

namespace FastProxy.Policy.Evaluation;

/// <summary>What a rule reads: the request (spans), the principal (null when anonymous) and the time.</summary>
internal readonly ref struct EvalContext
{
    public EvalContext(in GateRequest request, Principal? principal, long nowUtcTicks)
    {
        Request = request;
        Principal = principal;
        NowUtcTicks = nowUtcTicks;
    }

    public GateRequest Request { get; }

    public Principal? Principal { get; }

    public long NowUtcTicks { get; }
}
