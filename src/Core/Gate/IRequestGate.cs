namespace FastProxy.Core.Gate;

/// <summary>
/// The seam between protocol and policy (DESIGN.md, "The data path" step 5). Http calls it for
/// every routed request; Policy implements it; Host plugs one into the other. Evaluation is
/// synchronous and must not allocate for a known token: slow work is signalled with
/// <see cref="GateVerdict.Retry"/>.
/// </summary>
public interface IRequestGate
{
    /// <summary>Decides; <paramref name="audit"/> says why, for the audit record.</summary>
    GateDecision Evaluate(in GateRequest request, out GateAudit audit);

    /// <summary>
    /// Records that a request matched no route (404) or no route for its method (405): the
    /// policy refuses it by construction. Returns the audit reasons (policy version included).
    /// </summary>
    GateAudit NoRoute(bool methodNotAllowed);
}
