using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Core.Routing;
using FastProxy.Policy.Testing;
using FastProxy.Policy.Tests.TestSupport;

namespace FastProxy.Policy.Tests;

/// <summary>
/// With <see cref="PolicyCompileOptions.VerifyTokenMissesOffLoop"/> (the proxy's setting), a token the cache does not
/// hold is verified on the thread pool: the first evaluation answers Retry with that work, the second takes its
/// result; cached tokens and the no-cache setting decide at once.
/// </summary>
public sealed class OffLoopVerificationTests
{
    private const string Url = "https://api.test/api/orders/7";

    private static async Task<CompiledPolicy> CompileAsync(int cacheSize = 1000)
    {
        var result = await PolicyCompiler.CompileAsync(
            PolicyDocuments.Peers(cacheSize: cacheSize), new PolicyCompileOptions { VerifyTokenMissesOffLoop = true }, CancellationToken.None);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Policy!;
    }

    private static GateDecision Evaluate(CompiledPolicy policy, string token, Task? settled = null)
    {
        var uri = new Uri(Url);
        var method = "GET"u8.ToArray();
        var host = Encoding.ASCII.GetBytes(uri.Host);
        var path = Encoding.ASCII.GetBytes(uri.AbsolutePath);
        Assert.Equal(RouteMatchKind.Matched, policy.Routes.Match(host, path, RequestMethod.Get, method, out var route));
        var headers = new DictionaryRequestHeaders().Add("Authorization", "Bearer " + token);
        var request = new GateRequest(route, RequestMethod.Get, method, host, path, default, headers, ClientIdentity.Unknown, settled);
        return new PolicyGate(policy).Evaluate(request, out GateAudit _);
    }

    [Fact]
    public async Task CacheMiss_RetryWithTheVerification_ThenAllowedFromItsResult()
    {
        await using var policy = await CompileAsync();
        var token = TestKeys.Token();

        var first = Evaluate(policy, token);
        Assert.Equal(GateVerdict.Retry, first.Verdict);
        await first.Pending!;
        var second = Evaluate(policy, token, first.Pending);

        Assert.Equal(GateVerdict.Allow, second.Verdict);
        Assert.Equal(1, Volatile.Read(ref policy.Counters.OffLoopVerifications));
        Assert.Equal(0, Volatile.Read(ref policy.Counters.KeyRefreshRetries));
    }

    [Fact]
    public async Task VerifiedOffLoop_NextRequestWithTheToken_CacheHitDecidedInline()
    {
        await using var policy = await CompileAsync();
        var token = TestKeys.Token();
        var first = Evaluate(policy, token);
        await first.Pending!;
        Evaluate(policy, token, first.Pending);

        var next = Evaluate(policy, token);

        Assert.Equal(GateVerdict.Allow, next.Verdict);
        Assert.Equal(1, Volatile.Read(ref policy.Counters.OffLoopVerifications));
        Assert.Equal(1, Volatile.Read(ref policy.Counters.CacheHits));
    }

    [Fact]
    public async Task BadSignature_RetryThen401FromTheVerification_NotVerifiedTwice()
    {
        await using var policy = await CompileAsync();
        var token = TestKeys.Token();
        var forged = token[..^4] + (token[^4] == 'A' ? "BBBB" : "AAAA");

        var first = Evaluate(policy, forged);
        Assert.Equal(GateVerdict.Retry, first.Verdict);
        await first.Pending!;
        var second = Evaluate(policy, forged, first.Pending);

        Assert.Equal(GateVerdict.Deny, second.Verdict);
        Assert.Equal(401, second.Status);
        Assert.Equal(1, Volatile.Read(ref policy.Counters.CacheMisses));
    }

    [Fact]
    public async Task SettledByAnotherPolicy_VerifiedAgainInlineUnderThisOne()
    {
        await using var before = await CompileAsync();
        await using var after = await CompileAsync();
        var token = TestKeys.Token();
        var first = Evaluate(before, token);
        await first.Pending!;

        var second = Evaluate(after, token, first.Pending);

        Assert.Equal(GateVerdict.Allow, second.Verdict);
        Assert.Equal(0, Volatile.Read(ref after.Counters.OffLoopVerifications));
    }

    [Fact]
    public async Task NoTokenCache_EveryRequestVerifiedInline()
    {
        await using var policy = await CompileAsync(cacheSize: 0);

        var decision = Evaluate(policy, TestKeys.Token());

        Assert.Equal(GateVerdict.Allow, decision.Verdict);
        Assert.Equal(0, Volatile.Read(ref policy.Counters.OffLoopVerifications));
    }

    [Fact]
    public async Task OptionOff_CacheMissVerifiedInline()
    {
        await using var policy = await GateHarness.CompileAsync(PolicyDocuments.Peers());

        var decision = Evaluate(policy, TestKeys.Token());

        Assert.Equal(GateVerdict.Allow, decision.Verdict);
        Assert.Equal(0, Volatile.Read(ref policy.Counters.OffLoopVerifications));
    }
}
