using FastProxy.Core.Routing;
using FastProxy.Policy.Config;

namespace FastProxy.Host.Config;

/// <summary>
/// `routes:` at the level the host owns: ids non-empty and unique, the cluster exists, the match
/// (host, path, methods) compiles into a <see cref="RouteTable"/>, mode is known, named providers
/// exist. The allow/deny rules are the policy compiler's to judge.
/// </summary>
internal static class RouteValidator
{
    private static readonly string[] KnownMethods = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];

    public static void Validate(FastProxyConfig config, ConfigErrorSink errors)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var providers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var provider in config.Identity?.Providers ?? [])
        {
            if (provider is not null)
            {
                providers.Add(provider.Name);
            }
        }

        for (var i = 0; i < config.Routes.Count; i++)
        {
            var path = DocumentPath.Index("routes", i);
            var route = config.Routes[i];
            if (route is null)
            {
                errors.Add(path, "a route must be a mapping with an id, a match and a cluster");
                continue;
            }

            if (string.IsNullOrWhiteSpace(route.Id))
            {
                errors.Add(DocumentPath.Property(path, "id"), "a route needs a non-empty id");
            }
            else if (!ids.TryAdd(route.Id, path))
            {
                errors.Add(DocumentPath.Property(path, "id"), $"duplicate route id '{route.Id}' (also {ids[route.Id]})");
            }

            ValidateCluster(config, route, DocumentPath.Property(path, "cluster"), errors);
            ValidateMatch(route.Match, DocumentPath.Property(path, "match"), errors);

            if (route.Mode is not ("enforce" or "audit"))
            {
                errors.Add(DocumentPath.Property(path, "mode"), $"unknown mode '{route.Mode}'; expected 'enforce' or 'audit'");
            }

            for (var p = 0; p < route.Providers.Count; p++)
            {
                if (!providers.Contains(route.Providers[p] ?? ""))
                {
                    errors.Add(DocumentPath.Index(DocumentPath.Property(path, "providers"), p), $"unknown identity provider '{route.Providers[p]}'");
                }
            }

            for (var u = 0; u < route.Upgrades.Count; u++)
            {
                // A switched connection is a channel the gate cannot see into; WebSocket is the one the proxy splices.
                if (!string.Equals(route.Upgrades[u], "websocket", StringComparison.Ordinal))
                {
                    errors.Add(DocumentPath.Index(DocumentPath.Property(path, "upgrades"), u), $"upgrade protocol '{route.Upgrades[u]}' is not supported: only 'websocket' (h2c and other protocols would carry requests the gate never sees)");
                }
            }
        }
    }

    private static void ValidateCluster(FastProxyConfig config, RouteConfig route, string path, ConfigErrorSink errors)
    {
        if (string.IsNullOrWhiteSpace(route.Cluster))
        {
            errors.Add(path, "a route needs a cluster");
        }
        else if (!config.Clusters.ContainsKey(route.Cluster))
        {
            var hint = Suggest(route.Cluster, config.Clusters.Keys);
            errors.Add(path, hint is null ? $"unknown cluster '{route.Cluster}'" : $"unknown cluster '{route.Cluster}' (did you mean '{hint}'?)");
        }
    }

    private static void ValidateMatch(RouteMatchConfig? match, string path, ConfigErrorSink errors)
    {
        if (match is null)
        {
            errors.Add(path, "must be a mapping");
            return;
        }

        var valid = true;
        var hostPath = DocumentPath.Property(path, "host");
        if (match.Host is { } host && !IsHostPattern(host))
        {
            errors.Add(hostPath, $"host '{host}' is not '*', a host name or '*.suffix' (no port, no scheme)");
            valid = false;
        }

        var pathPath = DocumentPath.Property(path, "path");
        if (!IsPathText(match.Path))
        {
            // RFC 3986 §3.3: a path is printable ASCII without '?' and '#'; the route table compares bytes.
            errors.Add(pathPath, $"path '{match.Path}' must start with '/' and hold only printable ASCII without spaces, '?' or '#'");
            valid = false;
        }

        var methodsPath = DocumentPath.Property(path, "methods");
        for (var m = 0; m < match.Methods.Count; m++)
        {
            var method = match.Methods[m] ?? "";
            var itemPath = DocumentPath.Index(methodsPath, m);
            if (!IsToken(method))
            {
                // RFC 9110 §9.1: method = token.
                errors.Add(itemPath, $"method '{method}' is not an HTTP token");
                valid = false;
            }
            else if (Array.IndexOf(KnownMethods, method.ToUpperInvariant()) >= 0 && Array.IndexOf(KnownMethods, method) < 0)
            {
                // RFC 9110 §9.1: methods are case-sensitive; "get" would never match a GET request.
                errors.Add(itemPath, $"method '{method}' never matches: methods are case-sensitive, write '{method.ToUpperInvariant()}'");
                valid = false;
            }
        }

        if (!valid)
        {
            return;
        }

        try
        {
            _ = new RouteTable([new RouteSpec(match.Host, match.Path, match.Methods)]);
        }
        catch (ArgumentException ex)
        {
            errors.Add(pathPath, StripParameterName(ex.Message));
        }
    }

    private static bool IsHostPattern(string host)
    {
        if (host is "*")
        {
            return true;
        }

        var name = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
        return name.Length > 0 && EndpointAddress.IsHostName(name);
    }

    private static bool IsPathText(string path)
    {
        if (path.Length == 0 || path[0] != '/')
        {
            return false;
        }

        foreach (var c in path)
        {
            if (c is <= ' ' or > '~' or '?' or '#')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>RFC 9110 §5.6.2: token = 1*tchar.</summary>
    private static bool IsToken(string value)
    {
        if (value.Length == 0)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && "!#$%&'*+-.^_`|~".IndexOf(c, StringComparison.Ordinal) < 0)
            {
                return false;
            }
        }

        return true;
    }

    private static string StripParameterName(string message)
    {
        var cut = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return cut >= 0 ? message[..cut] : message;
    }

    /// <summary>The closest known name within two edits, to turn "unknown cluster 'ordrs'" into a fix.</summary>
    internal static string? Suggest(string wanted, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = 3;
        foreach (var candidate in known)
        {
            var distance = EditDistance(wanted, candidate);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = candidate;
            }
        }

        return best;
    }

    private static int EditDistance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2 || a.Length > 256 || b.Length > 256)
        {
            return int.MaxValue;
        }

        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
