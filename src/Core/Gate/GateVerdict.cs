namespace FastProxy.Core.Gate;

public enum GateVerdict : byte
{
    /// <summary>Forward the request.</summary>
    Allow,

    /// <summary>Answer with the decision's status, headers and body; do not forward.</summary>
    Deny,

    /// <summary>
    /// The gate needs asynchronous work first (e.g. a JWKS refresh for an unknown key id).
    /// Await <see cref="GateDecision.Pending"/>, then evaluate once more; a second Retry is a deny.
    /// </summary>
    Retry,
}
