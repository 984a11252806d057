using FastProxy.Core.Gate;
using FastProxy.Policy.Upstream;

namespace FastProxy.Policy.Evaluation;

/// <summary>The runtime form of one route's policy.</summary>
internal sealed class CompiledRoute
{
    public required string Id { get; init; }

    public required int Index { get; init; }

    public required bool IsPublic { get; init; }

    /// <summary>Shadow mode: decide and count, but let the request through.</summary>
    public required bool IsAudit { get; init; }

    /// <summary>Bit i set: tokens of provider i are accepted. All bits when the route names none.</summary>
    public required ulong ProviderMask { get; init; }

    public required RuleNode[] Allow { get; init; }

    public required RuleNode[] Deny { get; init; }

    public required bool QueryToken { get; init; }

    public required GateDecision Forbidden { get; init; }

    public required string Cluster { get; init; }

    public required PathGlob Path { get; init; }

    public required MethodSet Methods { get; init; }

    public required string? Host { get; init; }

    public required bool ForwardAuthorization { get; init; }

    public required RouteUpstreamPlan? Upstream { get; init; }
}
