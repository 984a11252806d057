namespace FastProxy.Core.Routing;

public enum RouteMatchKind : byte
{
    Matched,

    /// <summary>No route's host and path fit: 404.</summary>
    NoRoute,

    /// <summary>A route's host and path fit but none allows the method: 405.</summary>
    MethodNotAllowed,
}
