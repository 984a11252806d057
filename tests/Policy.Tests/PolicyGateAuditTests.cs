using FastProxy.Core.Gate;
using FastProxy.Policy.Testing;
using FastProxy.Policy.Tests.TestSupport;

namespace FastProxy.Policy.Tests;

/// <summary>The audit reasons the gate gives with each decision (the IRequestGate seam).</summary>
public sealed class PolicyGateAuditTests : IAsyncLifetime
{
    private const string Url = "https://api.test/api/orders/7";
    private CompiledPolicy _policy = null!;
    private PolicyGate _gate = null!;

    public async Task InitializeAsync()
    {
        _policy = await GateHarness.CompileAsync(PolicyDocuments.Peers());
        _gate = new PolicyGate(_policy);
    }

    public async Task DisposeAsync() => await _policy.DisposeAsync();

    private GateAudit Audit(string? authorization)
    {
        var headers = authorization is null ? new DictionaryRequestHeaders() : new DictionaryRequestHeaders().Add("Authorization", authorization);
        GateHarness.Evaluate(_gate, _policy, "GET", Url, headers);
        var view = new GateRequest(0, RequestMethod.Get, "GET"u8, "api.test"u8, "/api/orders/7"u8, default, headers, ClientIdentity.Unknown);
        ((IRequestGate)_gate).Evaluate(view, out var audit);
        return audit;
    }

    [Fact]
    public void Evaluate_AllowedReader_NamesPrincipalRuleAndVersion()
    {
        var audit = Audit("Bearer " + TestKeys.Token());
        Assert.Equal("allowed", audit.Reason);
        Assert.Equal(_policy.Version, audit.PolicyVersion);
        Assert.NotNull(audit.Rule);
        Assert.NotNull(audit.Predicate);
        Assert.Equal("alice", audit.Subject);
        Assert.False(audit.Shadow);
    }

    [Fact]
    public void Evaluate_NoToken_ReasonMissingToken_NoPrincipal()
    {
        var audit = Audit(null);
        Assert.Equal("missing_token", audit.Reason);
        Assert.Null(audit.Subject);
        Assert.Null(audit.Rule);
    }

    [Fact]
    public void NoRoute_CountsAndCarriesPolicyVersion()
    {
        var before = Volatile.Read(ref _policy.Counters.NoRoute);
        var audit = ((IRequestGate)_gate).NoRoute(methodNotAllowed: false);
        Assert.Equal("no_route", audit.Reason);
        Assert.Equal(_policy.Version, audit.PolicyVersion);
        Assert.Equal(before + 1, Volatile.Read(ref _policy.Counters.NoRoute));
        Assert.Equal("method_not_allowed", ((IRequestGate)_gate).NoRoute(methodNotAllowed: true).Reason);
    }
}
