using System.Text;
using FastProxy.Core.Gate;

namespace FastProxy.Core.Routing;

/// <summary>
/// Compiled route matcher shared by forwarding and policy: routes are tried in configuration
/// order and the first whose host, path and method fit wins. Matching compares bytes only (no
/// regex, no strings, no allocation). A linear scan is the right structure for the tens of
/// routes a proxy in front of one service group carries; a host map goes in front of it when
/// configurations grow to hundreds.
/// </summary>
public sealed class RouteTable
{
    private const byte Dot = (byte)'.';

    private readonly CompiledRoute[] _routes;

    public RouteTable(IReadOnlyList<RouteSpec> routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        _routes = new CompiledRoute[routes.Count];
        for (var i = 0; i < routes.Count; i++)
        {
            _routes[i] = CompiledRoute.Create(routes[i]);
        }
    }

    public int Count => _routes.Length;

    /// <summary>Finds the first route for <paramref name="host"/> (no port), <paramref name="path"/> and method.</summary>
    public RouteMatchKind Match(ReadOnlySpan<byte> host, ReadOnlySpan<byte> path, RequestMethod method, ReadOnlySpan<byte> methodBytes, out int routeIndex)
    {
        // RFC 1034 §3.1: "api.example.com." is the same (absolute) name as "api.example.com";
        // upstreams and virtual hosts treat it so, and so must the routes.
        if (host.Length > 1 && host[^1] == Dot)
        {
            host = host[..^1];
        }

        var methodRefused = false;
        var routes = _routes;
        for (var i = 0; i < routes.Length; i++)
        {
            ref readonly var route = ref routes[i];
            if (!route.MatchesHost(host) || !route.Path.Matches(path))
            {
                continue;
            }

            if (route.AllowsMethod(method, methodBytes))
            {
                routeIndex = i;
                return RouteMatchKind.Matched;
            }

            if (route.ListsInOtherCase(methodBytes))
            {
                // "delete" on a route listing DELETE: not the same method (RFC 9110 §9.1), but an
                // upstream that folds method case would run DELETE, so it must not fall through
                // to a later, laxer route either: refused here.
                routeIndex = -1;
                return RouteMatchKind.MethodNotAllowed;
            }

            methodRefused = true;
        }

        routeIndex = -1;
        return methodRefused ? RouteMatchKind.MethodNotAllowed : RouteMatchKind.NoRoute;
    }

    private readonly struct CompiledRoute
    {
        private readonly byte[]? _host;
        private readonly bool _hostIsSuffix;
        private readonly uint _knownMethods;
        private readonly byte[][] _otherMethods;
        private readonly bool _anyMethod;
        private readonly byte[][] _listedMethods;

        private CompiledRoute(byte[]? host, bool hostIsSuffix, PathPattern path, bool anyMethod, uint knownMethods, byte[][] otherMethods, byte[][] listedMethods)
        {
            _listedMethods = listedMethods;
            _host = host;
            _hostIsSuffix = hostIsSuffix;
            Path = path;
            _anyMethod = anyMethod;
            _knownMethods = knownMethods;
            _otherMethods = otherMethods;
        }

        public PathPattern Path { get; }

        public static CompiledRoute Create(RouteSpec spec)
        {
            byte[]? host = null;
            var suffix = false;
            if (!string.IsNullOrEmpty(spec.Host) && !string.Equals(spec.Host, "*", StringComparison.Ordinal))
            {
                if (spec.Host.StartsWith("*.", StringComparison.Ordinal))
                {
                    // "*.example.com" keeps ".example.com": a sub-domain must end with it.
                    host = Encoding.ASCII.GetBytes(spec.Host[1..].ToLowerInvariant());
                    suffix = true;
                }
                else
                {
                    host = Encoding.ASCII.GetBytes(spec.Host.ToLowerInvariant());
                }
            }

            var any = spec.Methods is null || spec.Methods.Count == 0;
            uint known = 0;
            var others = new List<byte[]>();
            var listed = new List<byte[]>();
            if (!any)
            {
                foreach (var m in spec.Methods!)
                {
                    var bytes = Encoding.ASCII.GetBytes(m);
                    listed.Add(bytes);
                    var kind = RequestMethods.Parse(bytes);
                    if (kind == RequestMethod.Other)
                    {
                        others.Add(bytes);
                    }
                    else
                    {
                        known |= 1u << (int)kind;
                    }
                }
            }

            return new CompiledRoute(host, suffix, PathPattern.Parse(spec.Path, spec.CaseInsensitivePaths), any, known, [.. others], [.. listed]);
        }

        public bool MatchesHost(ReadOnlySpan<byte> host)
        {
            if (_host is null)
            {
                return true;
            }

            if (!_hostIsSuffix)
            {
                return Ascii.EqualsIgnoreCase(host, _host);
            }

            return host.Length > _host.Length && Ascii.EqualsIgnoreCase(host[^_host.Length..], _host);
        }

        /// <summary>True when the route lists this method in another letter case ("delete" against DELETE); only asked after <see cref="AllowsMethod"/> said no.</summary>
        public bool ListsInOtherCase(ReadOnlySpan<byte> methodBytes)
        {
            foreach (var listed in _listedMethods)
            {
                if (Ascii.EqualsIgnoreCase(methodBytes, listed))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>RFC 9110 §9.1: methods are case-sensitive; "delete" is an extension method, never DELETE.</summary>
        public bool AllowsMethod(RequestMethod method, ReadOnlySpan<byte> methodBytes)
        {
            if (_anyMethod)
            {
                return true;
            }

            if (method != RequestMethod.Other)
            {
                return (_knownMethods & (1u << (int)method)) != 0;
            }

            foreach (var other in _otherMethods)
            {
                if (methodBytes.SequenceEqual(other))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
