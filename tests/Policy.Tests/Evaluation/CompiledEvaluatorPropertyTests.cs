using System.Net;
using System.Text;
using System.Text.Json;
using CsCheck;
using FastProxy.Core.Gate;
using FastProxy.Policy.Config;
using FastProxy.Policy.Testing;
using FastProxy.Policy.Tests.TestSupport;

namespace FastProxy.Policy.Tests.Evaluation;

/// <summary>
/// Property: for random routes (rules nested up to depth 3, public or not) and random requests and
/// principals, the compiled evaluator decides exactly as a plain reference interpreter of the
/// document written here, independently of the compiler.
/// </summary>
public sealed class CompiledEvaluatorPropertyTests
{
    private static readonly string[] Methods = ["GET", "POST", "DELETE"];

    private static readonly Gen<RuleConfig> Leaf = Gen.OneOf<RuleConfig>(
        Gen.Bool.Select(b => new RuleConfig { Authenticated = b }),
        Gen.OneOf("https://a", "https://b").Select(s => new RuleConfig { Issuer = s }),
        Gen.OneOf("alice", "bob").Select(s => new RuleConfig { Subject = s }),
        Gen.OneOf("r1", "r2", "r3").Select(s => new RuleConfig { Claim = "roles", Contains = s }),
        Gen.OneOf("r1", "r2").Select(s => new RuleConfig { Claim = "roles", EqualsValue = s }),
        Gen.OneOf("t1", "t2").Select(s => new RuleConfig { Claim = "tenant", EqualsValue = s }),
        Gen.OneOf("t1", "t2").Select(s => new RuleConfig { Claim = "tenant", Contains = s }),
        Gen.OneOf(new[] { "admin" }, ["admin", "ops"], ["ops"]).Select(s => new RuleConfig { Claim = "realm.roles", AnyOf = s }),
        Gen.OneOf("s1", "s2").Select(s => new RuleConfig { Scope = s }),
        Gen.OneOf(new[] { "GET" }, ["GET", "POST"], ["DELETE"], ["PURGE"]).Select(m => new RuleConfig { Method = m }),
        Gen.OneOf("/api/**", "/api/orders/*", "/api/orders", "/other/**", "/**").Select(p => new RuleConfig { Path = p }),
        Gen.OneOf("prod", "dev").Select(v => new RuleConfig { Header = "x-env", EqualsValue = v }),
        Gen.Bool.Select(b => new RuleConfig { Header = "x-env", Present = b }),
        Gen.OneOf(new[] { "10.0.0.0/8" }, ["192.168.1.0/24", "10.1.0.0/16"], ["::/0"], ["0.0.0.0/0"]).Select(s => new RuleConfig { Source = s }));

    private static readonly Gen<RuleConfig> Rule = RuleGen(3);

    private static readonly Gen<Principal> SomePrincipal = Gen.Select(
        Gen.OneOf("https://a", "https://b"),
        Gen.OneOf("alice", "bob"),
        Gen.OneOf("r1", "r2", "r3", "r1x").Array[0, 3],
        Gen.OneOf<string?>(null, "t1", "t2", "t1 t2"),
        Gen.OneOf<string[]?>(null, [], ["admin"], ["ops", "x"]),
        Gen.OneOf("", "s1", "s1 s2", "s2s1"),
        (iss, sub, roles, tenant, realm, scope) => new Principal(iss, sub, roles, tenant, realm, scope));

    private static readonly Gen<Principal?> Principals = Gen.Frequency(
        (1, (IGen<Principal?>)Gen.Const<Principal?>((Principal?)null)),
        (4, SomePrincipal.Select(p => (Principal?)p)));

    private static readonly Gen<Request> Requests = Gen.Select(
        Gen.OneOf("GET", "POST", "DELETE", "PURGE"),
        Gen.OneOf("/api/orders", "/api/orders/7", "/api/ordersX", "/other/x", "/api", "/api/orders/7/items"),
        Gen.OneOf<string?>(null, "prod", "dev", "Prod"),
        Gen.OneOf("10.1.2.3", "192.168.1.5", "172.16.0.1", "::1"),
        Principals,
        (method, path, env, source, principal) => new Request(method, path, env, source, principal));

    private static readonly Gen<RouteConfig> Routes = Gen.Select(
        Gen.Bool,
        Rule.Array[1, 3],
        Rule.Array[0, 2],
        (isPublic, allow, deny) => new RouteConfig { Id = "r", Match = new RouteMatchConfig { Path = "/**" }, Cluster = "c", Public = isPublic, Allow = allow, Deny = deny });

    [Fact]
    public void CompiledEvaluator_MatchesReferenceInterpreter()
    {
        Gen.Select(Routes, Requests.Array[1, 8]).Sample(
            (route, requests) =>
            {
                var document = PolicyDocuments.WithRoutes(route);
                var result = PolicyCompiler.CompileAsync(document, new PolicyCompileOptions { FetchKeys = false, RunTests = false }, CancellationToken.None).GetAwaiter().GetResult();
                Assert.True(result.Success, string.Join("\n", result.Errors));
                using var cleanup = new PolicyCleanup(result.Policy!);
                foreach (var request in requests)
                {
                    var expected = Reference(route, request);
                    var actual = Compiled(result.Policy!, request);
                    if (!string.Equals(expected, actual, StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException($"reference {expected}, compiled {actual} for {request} on {JsonSerializer.Serialize(route)}");
                    }
                }
            },
            iter: 400,
            threads: 1);
    }

    private static Gen<RuleConfig> RuleGen(int depth)
    {
        if (depth == 0)
        {
            return Leaf;
        }

        var child = RuleGen(depth - 1);
        return Gen.Frequency(
            (6, (IGen<RuleConfig>)Leaf),
            (1, child.Array[0, 3].Select(c => new RuleConfig { All = c })),
            (1, child.Array[0, 3].Select(c => new RuleConfig { Any = c })),
            (1, child.Select(c => new RuleConfig { Not = c })));
    }

    private static string Compiled(CompiledPolicy policy, Request request)
    {
        var headers = new DictionaryRequestHeaders();
        if (request.Env is not null)
        {
            headers.Add("X-Env", request.Env);
        }

        JsonElement? claims = request.Principal is null ? null : JsonDocument.Parse(request.Principal.Json()).RootElement.Clone();
        var test = TestRequest.TryParse(request.Method + " https://api.test" + request.Path, out _)!;
        return PolicyTestRunner.Decide(policy, test, headers, new ClientIdentity(IPAddress.Parse(request.Source), null, [], []), claims, out _);
    }

    // ---- The reference interpreter: the DESIGN.md semantics, read straight off the document. ----

    private static string Reference(RouteConfig route, Request request)
    {
        var principal = route.Public ? null : request.Principal;
        if (!route.Public && principal is null)
        {
            return "401";
        }

        if (route.Deny.Any(r => Eval(r, request, principal)))
        {
            return "403";
        }

        return route.Allow.Any(r => Eval(r, request, principal)) ? "allow" : "403";
    }

    private static bool Eval(RuleConfig rule, Request request, Principal? p)
    {
        if (rule.Authenticated is { } authenticated)
        {
            return (p is not null) == authenticated;
        }

        if (rule.Issuer is not null)
        {
            return p?.Iss == rule.Issuer;
        }

        if (rule.Subject is not null)
        {
            return p?.Sub == rule.Subject;
        }

        if (rule.Claim is not null)
        {
            if (p is null)
            {
                return false;
            }

            var (values, isArray) = rule.Claim switch
            {
                "roles" => (p.Roles, true),
                "tenant" => (p.Tenant is null ? [] : new[] { p.Tenant }, false),
                _ => (p.RealmRoles ?? [], true),
            };
            if (rule.EqualsValue is not null)
            {
                return !isArray && values.Length == 1 && values[0] == rule.EqualsValue;
            }

            if (rule.Contains is not null)
            {
                return values.Contains(rule.Contains);
            }

            return values.Any(v => rule.AnyOf!.Contains(v));
        }

        if (rule.Scope is not null)
        {
            return p is not null && p.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(rule.Scope);
        }

        if (rule.Method is not null)
        {
            return rule.Method.Contains(request.Method);
        }

        if (rule.Path is not null)
        {
            return GlobMatches(rule.Path, request.Path);
        }

        if (rule.Header is not null)
        {
            return rule.EqualsValue is not null ? request.Env == rule.EqualsValue : (request.Env is not null) == rule.Present;
        }

        if (rule.Source is not null)
        {
            var address = IPAddress.Parse(request.Source);
            return rule.Source.Any(c => IPNetwork.Parse(c).Contains(address));
        }

        if (rule.All is not null)
        {
            return rule.All.All(r => Eval(r, request, p));
        }

        if (rule.Any is not null)
        {
            return rule.Any.Any(r => Eval(r, request, p));
        }

        return !Eval(rule.Not!, request, p);
    }

    private static bool GlobMatches(string glob, string path)
    {
        if (glob.EndsWith("/**", StringComparison.Ordinal))
        {
            var root = glob[..^3];
            return root.Length == 0 || path == root || path.StartsWith(root + "/", StringComparison.Ordinal);
        }

        if (glob.EndsWith("/*", StringComparison.Ordinal))
        {
            var prefix = glob[..^1];
            return path.StartsWith(prefix, StringComparison.Ordinal) && path.Length > prefix.Length && !path[prefix.Length..].Contains('/', StringComparison.Ordinal);
        }

        return path == glob;
    }

    private sealed record Principal(string Iss, string Sub, string[] Roles, string? Tenant, string[]? RealmRoles, string Scope)
    {
        public string Json()
        {
            var json = new StringBuilder();
            json.Append("{\"iss\":\"").Append(Iss).Append("\",\"sub\":\"").Append(Sub).Append("\",\"roles\":[")
                .Append(string.Join(",", Roles.Select(r => "\"" + r + "\""))).Append("],\"scope\":\"").Append(Scope).Append('"');
            if (Tenant is not null)
            {
                json.Append(",\"tenant\":\"").Append(Tenant).Append('"');
            }

            if (RealmRoles is not null)
            {
                json.Append(",\"realm\":{\"roles\":[").Append(string.Join(",", RealmRoles.Select(r => "\"" + r + "\""))).Append("]}");
            }

            return json.Append('}').ToString();
        }

        public override string ToString() => Json();
    }

    private sealed record Request(string Method, string Path, string? Env, string Source, Principal? Principal);

    private sealed class PolicyCleanup(CompiledPolicy policy) : IDisposable
    {
        public void Dispose() => policy.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
