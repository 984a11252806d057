namespace FastProxy.Core.Routing;

/// <summary>
/// How one configured route is matched. <paramref name="Host"/>: null or "*" for any host,
/// "api.example.com" exactly, or "*.example.com" for any sub-domain. <paramref name="Path"/>:
/// "/orders" exactly, "/orders/**" for /orders and everything below it, "/orders/*" for one
/// segment below it. <paramref name="Methods"/>: null or empty for any method.
/// </summary>
public sealed record RouteSpec(string? Host, string Path, IReadOnlyList<string>? Methods);
