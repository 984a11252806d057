namespace FastProxy.Policy.Evaluation;

/// <summary>
/// `{ claim: path, equals|contains|any_of: ... }` reading the claim by its interned id. Values are
/// compared ordinally and exactly: membership is never a substring match.
/// </summary>
internal sealed class ClaimRule : RuleNode
{
    private readonly int _claimId;
    private readonly string _path;
    private readonly ClaimOperator _operator;
    private readonly string[] _values;

    public ClaimRule(int claimId, string path, ClaimOperator op, string[] values)
    {
        _claimId = claimId;
        _path = path;
        _operator = op;
        _values = values;
    }

    public override bool Matches(in EvalContext context)
    {
        if (context.Principal is not { } principal)
        {
            return false;
        }

        var claim = principal.Claims[_claimId];
        switch (_operator)
        {
            case ClaimOperator.EqualsValue:
                return !claim.IsArray && claim.Values.Length == 1 && string.Equals(claim.Values[0], _values[0], StringComparison.Ordinal);
            case ClaimOperator.Contains:
                return claim.ContainsValue(_values[0]);
            default:
                var values = _values;
                for (var i = 0; i < values.Length; i++)
                {
                    if (claim.ContainsValue(values[i]))
                    {
                        return true;
                    }
                }

                return false;
        }
    }

    public override string Describe() => _operator switch
    {
        ClaimOperator.EqualsValue => $"claim {_path} equals {_values[0]}",
        ClaimOperator.Contains => $"claim {_path} contains {_values[0]}",
        _ => $"claim {_path} any_of [{string.Join(", ", _values)}]",
    };

    public override Tri Analyze(in RouteFacts facts) => facts.IsPublic ? Tri.Never : Tri.Depends;

    protected override string Detail(in EvalContext context)
        => context.Principal is { } p ? $" ({_path} = {p.Claims[_claimId]})" : " (anonymous)";
}
