using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Core.Routing;

namespace FastProxy.Policy.Testing;

/// <summary>A request written as "GET https://host/path?query" (policy tests, explain), as bytes ready for a <see cref="GateRequest"/>.</summary>
internal sealed class TestRequest
{
    private TestRequest(string method, string host, string path, string query)
    {
        MethodText = method;
        HostText = host;
        PathText = path;
        Method = Encoding.ASCII.GetBytes(method);
        Host = Encoding.ASCII.GetBytes(host);
        Path = Encoding.ASCII.GetBytes(path);
        Query = Encoding.ASCII.GetBytes(query);
    }

    public string MethodText { get; }

    public string HostText { get; }

    public string PathText { get; }

    public byte[] Method { get; }

    public byte[] Host { get; }

    public byte[] Path { get; }

    public byte[] Query { get; }

    public static TestRequest? TryParse(string text, out string? error)
    {
        error = null;
        var parts = text.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !PolicyCompiler.IsToken(parts[0]) || !Uri.TryCreate(parts[1].Trim(), UriKind.Absolute, out var uri)
            || (!string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.Ordinal) && !string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.Ordinal)))
        {
            error = $"'{text}' is not a request (\"METHOD https://host/path\")";
            return null;
        }

        var path = uri.AbsolutePath;
        var query = uri.Query.Length > 0 ? uri.Query[1..] : "";
        if (!Ascii.IsValid(path) || !Ascii.IsValid(query))
        {
            error = $"'{text}': path and query must be ASCII";
            return null;
        }

        return new TestRequest(parts[0], uri.IdnHost.ToLowerInvariant(), path, query);
    }

    public RouteMatchKind Match(RouteTable routes, out int routeIndex)
        => routes.Match(Host, Path, RequestMethods.Parse(Method), Method, out routeIndex);

    public GateRequest ToGateRequest(int routeIndex, IRequestHeaders headers, ClientIdentity client)
        => new(routeIndex, RequestMethods.Parse(Method), Method, Host, Path, Query, headers, client);
}
