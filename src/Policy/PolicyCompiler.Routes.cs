using System.Globalization;
using System.Text;
using FastProxy.Core.Routing;
using FastProxy.Policy.Config;
using FastProxy.Policy.Evaluation;
using FastProxy.Policy.Responses;
using FastProxy.Policy.Upstream;

namespace FastProxy.Policy;

/// <summary>Routes and rules: validation with document paths, then the compiled node trees.</summary>
public static partial class PolicyCompiler
{
    /// <summary>Rule nesting deeper than this is refused (a hand-written policy never needs it; recursion stays bounded).</summary>
    private const int MaxRuleDepth = 16;

    /// <summary>Header names an upstream identity may not take: the forwarder owns them.</summary>
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "host", "connection", "content-length", "transfer-encoding", "te", "upgrade", "keep-alive",
        "proxy-authorization", "proxy-connection", "trailer", "cookie", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
        RouteUpstreamPlan.AssertionHeader,
    };

    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private static CompiledRoute[]? CompileRoutes(PolicyDocument document, PolicyCompilation compilation, string version, ProxyAssertionKey? assertionKey, string assertionIssuer, out RouteTable? table)
    {
        table = null;
        var routes = new CompiledRoute[document.Routes.Count];
        var specs = new List<RouteSpec>(routes.Length);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var ok = true;
        for (var r = 0; r < routes.Length; r++)
        {
            var config = document.Routes[r];
            var path = $"routes[{r}]";
            var errorsBefore = compilation.Errors.Count;
            if (string.IsNullOrWhiteSpace(config.Id))
            {
                compilation.Error(path + ".id", "a route needs an id");
            }
            else if (!ids.Add(config.Id))
            {
                compilation.Error(path + ".id", $"duplicate route id '{config.Id}'");
            }

            var glob = PathGlob.TryParse(config.Match.Path, out var pathError);
            if (glob is null)
            {
                compilation.Error(path + ".match.path", pathError!);
            }

            CheckHost(config.Match.Host, path + ".match.host", compilation);
            for (var m = 0; m < config.Match.Methods.Count; m++)
            {
                CheckMethod(config.Match.Methods[m], $"{path}.match.methods[{m}]", compilation);
            }

            var audit = config.Mode switch
            {
                "enforce" => false,
                "audit" => true,
                _ => Invalid(compilation, path + ".mode", $"unknown mode '{config.Mode}' (enforce or audit)"),
            };

            if (!config.Public && config.Allow.Count == 0)
            {
                compilation.Error(path + ".allow", "empty allow list on a non-public route: it would refuse every request (add rules, or public: true)");
            }

            if (!config.Public && document.Identity.Providers.Count == 0)
            {
                compilation.Error(path, "the route requires authentication but identity.providers is empty");
            }

            var mask = config.Providers.Count == 0 ? ulong.MaxValue : 0UL;
            for (var p = 0; p < config.Providers.Count; p++)
            {
                if (compilation.ProviderIndex.TryGetValue(config.Providers[p], out var providerIndex))
                {
                    mask |= 1UL << providerIndex;
                }
                else
                {
                    compilation.Error($"{path}.providers[{p}]", $"unknown provider '{config.Providers[p]}'");
                }
            }

            if (config.Public && config.Providers.Count > 0)
            {
                compilation.Warning(path + ".providers", "a public route does not authenticate; providers has no effect");
            }

            var methods = MethodSet.From(config.Match.Methods);
            var facts = new RouteFacts(config.Public, methods);
            var context = new RuleCompileContext(compilation, glob ?? PathGlob.TryParse("/**", out _)!, facts) { CaseInsensitivePaths = config.CaseInsensitivePaths };
            var allow = CompileRuleList(config.Allow, path + ".allow", context);
            var deny = CompileRuleList(config.Deny, path + ".deny", context);
            var upstream = CompileUpstream(config, path + ".upstream_identity", compilation, assertionKey, assertionIssuer, version);

            if (compilation.Errors.Count != errorsBefore || glob is null)
            {
                ok = false;
                continue;
            }

            specs.Add(new RouteSpec(config.Match.Host, config.Match.Path, config.Match.Methods) { CaseInsensitivePaths = config.CaseInsensitivePaths });
            routes[r] = new CompiledRoute
            {
                Id = config.Id,
                Index = r,
                IsPublic = config.Public,
                IsAudit = audit,
                ProviderMask = mask,
                Allow = allow,
                Deny = deny,
                QueryToken = config.QueryToken,
                Forbidden = DenyResponses.Forbidden(config.Id),
                Cluster = config.Cluster,
                Path = glob,
                Methods = methods,
                Host = config.Match.Host,
                ForwardAuthorization = config.UpstreamIdentity.ForwardAuthorization,
                Upstream = upstream,
                CaseInsensitivePaths = config.CaseInsensitivePaths,
                ComparedHeaders = [.. context.ComparedHeaders],
                ComparedMethods = [.. context.ComparedMethods],
            };
        }

        if (!ok)
        {
            return null;
        }

        try
        {
            table = new RouteTable(specs);
        }
        catch (ArgumentException ex)
        {
            compilation.Error("routes", ex.Message);
            return null;
        }

        return routes;
    }

    private static bool Invalid(PolicyCompilation compilation, string path, string message)
    {
        compilation.Error(path, message);
        return false;
    }

    private static void CheckHost(string? host, string path, PolicyCompilation compilation)
    {
        if (host is null || string.Equals(host, "*", StringComparison.Ordinal))
        {
            return;
        }

        var name = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
        if (name.Length == 0 || name.Contains('*', StringComparison.Ordinal) || name.Contains(':', StringComparison.Ordinal) || !Ascii.IsValid(name) || name.Contains(' ', StringComparison.Ordinal))
        {
            compilation.Error(path, $"'{host}' is not a host pattern (\"*\", \"api.example.com\" or \"*.example.com\", no port)");
        }
    }

    private static void CheckMethod(string method, string path, PolicyCompilation compilation)
    {
        if (!IsToken(method))
        {
            compilation.Error(path, $"'{method}' is not a method token");
        }
        else if (!string.Equals(method, method.ToUpperInvariant(), StringComparison.Ordinal))
        {
            compilation.Warning(path, $"methods are case-sensitive (RFC 9110 §9.1): '{method}' will not match '{method.ToUpperInvariant()}'");
        }
    }

    private static RouteUpstreamPlan? CompileUpstream(RouteConfig route, string path, PolicyCompilation compilation, ProxyAssertionKey? assertionKey, string assertionIssuer, string version)
    {
        var config = route.UpstreamIdentity;
        if (config.Headers.Count == 0 && !config.Assertion)
        {
            return null;
        }

        if (route.Public)
        {
            compilation.Warning(path, "a public route has no principal: upstream identity is never injected");
        }

        var headers = new List<(string Name, int ClaimId, string Path)>();
        foreach (var (name, claim) in config.Headers.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            var headerPath = $"{path}.headers.{name}";
            if (!IsToken(name))
            {
                compilation.Error(headerPath, $"'{name}' is not a header name");
                continue;
            }

            if (ReservedHeaders.Contains(name))
            {
                compilation.Error(headerPath, $"'{name}' is reserved for the proxy and cannot carry identity");
                continue;
            }

            if (string.IsNullOrWhiteSpace(claim))
            {
                compilation.Error(headerPath, "needs a claim path");
                continue;
            }

            headers.Add((name.ToLowerInvariant(), compilation.Claims.Intern(claim), claim));
        }

        if (config.Assertion && string.IsNullOrWhiteSpace(route.Cluster))
        {
            compilation.Error(path + ".assertion", "an assertion's audience is the route's cluster; the route has none");
        }

        return new RouteUpstreamPlan([.. headers], config.Assertion ? assertionKey : null, assertionIssuer, route.Cluster, route.Id, version);
    }

    private static RuleNode[] CompileRuleList(IReadOnlyList<RuleConfig> rules, string path, RuleCompileContext context)
    {
        var nodes = new RuleNode[rules.Count];
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i] = CompileRule(rules[i], $"{path}[{i}]", context, 0);
        }

        return nodes;
    }

    private static RuleNode CompileRule(RuleConfig? rule, string path, RuleCompileContext context, int depth)
    {
        var compilation = context.Compilation;
        if (rule is null)
        {
            compilation.Error(path, "empty rule");
            return new AnyRule([]);
        }

        if (depth > MaxRuleDepth)
        {
            compilation.Error(path, $"rules nest deeper than {MaxRuleDepth}");
            return new AnyRule([]);
        }

        var operators = new List<string>();
        if (rule.Authenticated is not null) { operators.Add("authenticated"); }
        if (rule.Issuer is not null) { operators.Add("issuer"); }
        if (rule.Subject is not null) { operators.Add("subject"); }
        if (rule.Claim is not null) { operators.Add("claim"); }
        if (rule.Scope is not null) { operators.Add("scope"); }
        if (rule.Method is not null) { operators.Add("method"); }
        if (rule.Path is not null) { operators.Add("path"); }
        if (rule.Header is not null) { operators.Add("header"); }
        if (rule.Source is not null) { operators.Add("source"); }
        if (rule.ClientCert is not null) { operators.Add("client_cert"); }
        if (rule.Time is not null) { operators.Add("time"); }
        if (rule.All is not null) { operators.Add("all"); }
        if (rule.Any is not null) { operators.Add("any"); }
        if (rule.Not is not null) { operators.Add("not"); }

        if (operators.Count == 0)
        {
            compilation.Error(path, "rule has no operator (authenticated, issuer, subject, claim, scope, method, path, header, source, client_cert, time, all, any, not)");
            return new AnyRule([]);
        }

        if (operators.Count > 1)
        {
            compilation.Error(path, $"rule has more than one operator ({string.Join(", ", operators)}); combine them with all: [...]");
            return new AnyRule([]);
        }

        var op = operators[0];
        if (!string.Equals(op, "claim", StringComparison.Ordinal) && !string.Equals(op, "header", StringComparison.Ordinal) && (rule.EqualsValue is not null || rule.Contains is not null || rule.AnyOf is not null || rule.Present is not null))
        {
            compilation.Error(path, $"equals / contains / any_of / present belong to claim or header, not to {op}");
            return new AnyRule([]);
        }

        switch (op)
        {
            case "authenticated":
                return new AuthenticatedRule(rule.Authenticated!.Value);
            case "issuer":
                return NonEmpty(rule.Issuer!, path + ".issuer", compilation) ? new IssuerRule(rule.Issuer!) : new AnyRule([]);
            case "subject":
                return NonEmpty(rule.Subject!, path + ".subject", compilation) ? new SubjectRule(rule.Subject!) : new AnyRule([]);
            case "scope":
                if (!NonEmpty(rule.Scope!, path + ".scope", compilation) || rule.Scope!.Contains(' ', StringComparison.Ordinal))
                {
                    compilation.Error(path + ".scope", "one scope, without spaces");
                    return new AnyRule([]);
                }

                return new ScopeRule(rule.Scope);
            case "claim":
                return CompileClaim(rule, path, compilation);
            case "method":
                for (var m = 0; m < rule.Method!.Count; m++)
                {
                    CheckMethod(rule.Method[m], $"{path}.method[{m}]", compilation);
                }

                if (rule.Method.Count == 0)
                {
                    compilation.Error(path + ".method", "list at least one method");
                }

                foreach (var name in rule.Method)
                {
                    if (!context.ComparedMethods.Exists(n => n.AsSpan().SequenceEqual(Encoding.ASCII.GetBytes(name))))
                    {
                        context.ComparedMethods.Add(Encoding.ASCII.GetBytes(name));
                    }
                }

                return new MethodRule(MethodSet.From(rule.Method), string.Join(", ", rule.Method));
            case "path":
                var glob = PathGlob.TryParse(rule.Path!, out var pathError);
                if (glob is null)
                {
                    compilation.Error(path + ".path", pathError!);
                    return new AnyRule([]);
                }

                return new PathRule(glob, context.RoutePath, context.CaseInsensitivePaths);
            case "header":
                return CompileHeader(rule, path, context);
            case "source":
                var blocks = new List<CidrBlock>();
                for (var s = 0; s < rule.Source!.Count; s++)
                {
                    var block = CidrBlock.TryParse(rule.Source[s], out var cidrError);
                    if (block is null)
                    {
                        compilation.Error($"{path}.source[{s}]", cidrError!);
                    }
                    else
                    {
                        blocks.Add(block);
                    }
                }

                if (rule.Source.Count == 0)
                {
                    compilation.Error(path + ".source", "list at least one CIDR block");
                }

                return new SourceRule([.. blocks]);
            case "client_cert":
                var cert = rule.ClientCert!;
                if (cert.UriSan is null && cert.DnsSan is null && cert.Subject is null)
                {
                    compilation.Error(path + ".client_cert", "give uri_san, dns_san or subject");
                }

                if (cert.UriSan is { } uri && uri.IndexOf('*', StringComparison.Ordinal) is var star && star >= 0 && star != uri.Length - 1)
                {
                    compilation.Error(path + ".client_cert.uri_san", "'*' is allowed only at the end (prefix match)");
                }

                return new ClientCertRule(cert.UriSan, cert.DnsSan, cert.Subject);
            case "time":
                return CompileTime(rule.Time!, path + ".time", compilation);
            case "all":
                return new AllRule(CompileChildren(rule.All!, path + ".all", context, depth));
            case "any":
                return new AnyRule(CompileChildren(rule.Any!, path + ".any", context, depth));
            default:
                return new NotRule(CompileRule(rule.Not, path + ".not", context, depth + 1));
        }
    }

    private static RuleNode[] CompileChildren(IReadOnlyList<RuleConfig> rules, string path, RuleCompileContext context, int depth)
    {
        var nodes = new RuleNode[rules.Count];
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i] = CompileRule(rules[i], $"{path}[{i}]", context, depth + 1);
        }

        return nodes;
    }

    private static RuleNode CompileClaim(RuleConfig rule, string path, PolicyCompilation compilation)
    {
        var claim = rule.Claim!;
        if (string.IsNullOrWhiteSpace(claim) || claim.StartsWith('.') || claim.EndsWith('.') || claim.Contains("..", StringComparison.Ordinal))
        {
            compilation.Error(path + ".claim", $"'{claim}' is not a claim path (name, or dotted path such as realm_access.roles)");
            return new AnyRule([]);
        }

        var count = (rule.EqualsValue is null ? 0 : 1) + (rule.Contains is null ? 0 : 1) + (rule.AnyOf is null ? 0 : 1);
        if (count != 1 || rule.Present is not null)
        {
            compilation.Error(path, "a claim rule takes exactly one of equals, contains, any_of");
            return new AnyRule([]);
        }

        var id = compilation.Claims.Intern(claim);
        if (rule.EqualsValue is not null)
        {
            return new ClaimRule(id, claim, ClaimOperator.EqualsValue, [rule.EqualsValue]);
        }

        if (rule.Contains is not null)
        {
            return new ClaimRule(id, claim, ClaimOperator.Contains, [rule.Contains]);
        }

        if (rule.AnyOf!.Count == 0)
        {
            compilation.Error(path + ".any_of", "list at least one value");
        }

        return new ClaimRule(id, claim, ClaimOperator.AnyOf, [.. rule.AnyOf]);
    }

    private static RuleNode CompileHeader(RuleConfig rule, string path, RuleCompileContext context)
    {
        var compilation = context.Compilation;
        var name = rule.Header!;
        if (!IsToken(name))
        {
            compilation.Error(path + ".header", $"'{name}' is not a header name");
            return new AnyRule([]);
        }

        if ((rule.EqualsValue is null) == (rule.Present is null) || rule.Contains is not null || rule.AnyOf is not null)
        {
            compilation.Error(path, "a header rule takes exactly one of equals, present");
            return new AnyRule([]);
        }

        var nameBytes = Encoding.ASCII.GetBytes(name);
        if (rule.EqualsValue is not null && !context.ComparedHeaders.Exists(n => Ascii.EqualsIgnoreCase(n, nameBytes)))
        {
            // The route refuses a request that repeats this header (see CompiledRoute.ComparedHeaders).
            context.ComparedHeaders.Add(Encoding.ASCII.GetBytes(name.ToLowerInvariant()));
        }

        return rule.EqualsValue is not null
            ? new HeaderRule(nameBytes, Encoding.UTF8.GetBytes(rule.EqualsValue), true, $"header {name} equals {rule.EqualsValue}")
            : new HeaderRule(nameBytes, null, rule.Present!.Value, $"header {name} present: {(rule.Present.Value ? "true" : "false")}");
    }

    private static TimeWindowRule CompileTime(TimeWindowConfig time, string path, PolicyCompilation compilation)
    {
        var from = ParseMinute(time.From, path + ".from", compilation, allow24: false);
        var to = ParseMinute(time.To, path + ".to", compilation, allow24: true);
        var mask = time.Days.Count == 0 ? 0x7F : 0;
        for (var d = 0; d < time.Days.Count; d++)
        {
            var day = Array.IndexOf(DayNames, time.Days[d].ToLowerInvariant());
            if (day < 0)
            {
                compilation.Error($"{path}.days[{d}]", $"'{time.Days[d]}' is not a day (mon, tue, wed, thu, fri, sat, sun)");
            }
            else
            {
                mask |= 1 << day;
            }
        }

        var text = $"time {time.From}-{time.To} UTC" + (time.Days.Count == 0 ? "" : " on " + string.Join(",", time.Days));
        return new TimeWindowRule(from, to, mask, text);
    }

    private static int ParseMinute(string value, string path, PolicyCompilation compilation, bool allow24)
    {
        if (value.Length == 5 && value[2] == ':'
            && int.TryParse(value.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hours)
            && int.TryParse(value.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)
            && minutes < 60 && (hours < 24 || (allow24 && hours == 24 && minutes == 0)))
        {
            return (hours * 60) + minutes;
        }

        compilation.Error(path, $"'{value}' is not a time HH:MM (00:00 to {(allow24 ? "24:00" : "23:59")}, UTC)");
        return 0;
    }

    private static bool NonEmpty(string value, string path, PolicyCompilation compilation)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            compilation.Error(path, "must not be empty");
            return false;
        }

        return true;
    }
}
