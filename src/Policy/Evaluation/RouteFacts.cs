namespace FastProxy.Policy.Evaluation;

/// <summary>What the static analysis knows about a route when judging its rules.</summary>
internal readonly record struct RouteFacts(bool IsPublic, MethodSet RouteMethods);
