using System.Net;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Core.Routing;
using FastProxy.Policy.Config;
using FastProxy.Policy.Testing;

namespace FastProxy.Policy.Tests.TestSupport;

/// <summary>Compiles documents and sends requests through a <see cref="PolicyGate"/> without sockets.</summary>
internal static class GateHarness
{
    public static async Task<CompiledPolicy> CompileAsync(PolicyDocument document, TimeProvider? time = null, int? cacheSize = null, HttpMessageHandler? handler = null)
    {
        var result = await PolicyCompiler.CompileAsync(document, new PolicyCompileOptions { Time = time ?? TimeProvider.System, TokenCacheSize = cacheSize, HttpHandler = handler }, CancellationToken.None);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Policy!;
    }

    public static GateDecision Evaluate(IRequestGate gate, CompiledPolicy policy, string method, string url, IRequestHeaders? headers = null, IPAddress? source = null, ClientIdentity? client = null)
        => Evaluate(gate, policy, method, url, headers, source, client, out _);

    public static GateDecision Evaluate(IRequestGate gate, CompiledPolicy policy, string method, string url, IRequestHeaders? headers, IPAddress? source, ClientIdentity? client, out PolicyDecisionInfo info)
    {
        var uri = new Uri(url);
        var methodBytes = Encoding.ASCII.GetBytes(method);
        var host = Encoding.ASCII.GetBytes(uri.Host);
        var path = Encoding.ASCII.GetBytes(uri.AbsolutePath);
        var query = Encoding.ASCII.GetBytes(uri.Query.TrimStart('?'));
        var kind = RequestMethods.Parse(methodBytes);
        if (policy.Routes.Match(host, path, kind, methodBytes, out var routeIndex) != RouteMatchKind.Matched)
        {
            routeIndex = -1;
        }

        var request = new GateRequest(routeIndex, kind, methodBytes, host, path, query, headers ?? new DictionaryRequestHeaders(), client ?? new ClientIdentity(source, null, [], []));
        if (gate is PolicyGate policyGate)
        {
            return policyGate.Evaluate(request, out info);
        }

        info = default;
        return gate.Evaluate(request, out _);
    }

    public static string Body(GateDecision decision) => Encoding.UTF8.GetString(decision.ResponseBody.Span);

    /// <summary>The denial's header fields as HTTP/1.1 lines ("name: value\r\n"), the way a client sees them.</summary>
    public static string Headers(GateDecision decision) => HeaderLines.Render(decision.ResponseHeaders);
}
