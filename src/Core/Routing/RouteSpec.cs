namespace FastProxy.Core.Routing;

/// <summary>
/// How one configured route is matched. <paramref name="Host"/>: null or "*" for any host,
/// "api.example.com" exactly, or "*.example.com" for any sub-domain. <paramref name="Path"/>:
/// "/orders" exactly (and "/orders/"), "/orders/**" for /orders and everything below it,
/// "/orders/*" for one segment below it. <paramref name="Methods"/>: null or empty for any method.
/// </summary>
public sealed record RouteSpec(string? Host, string Path, IReadOnlyList<string>? Methods)
{
    /// <summary>
    /// Fold ASCII case when matching the path, for upstreams that route case-insensitively
    /// (ASP.NET Core, IIS): there "/ADMIN" reaches the "/admin" handler, so it must reach this route.
    /// </summary>
    public bool CaseInsensitivePaths { get; init; }
}
