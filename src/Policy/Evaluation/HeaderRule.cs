namespace FastProxy.Policy.Evaluation;

/// <summary>`{ header: x-env, equals: prod }` (value compared byte for byte) or `{ header: x-env, present: true|false }`.</summary>
internal sealed class HeaderRule : RuleNode
{
    private readonly byte[] _name;
    private readonly byte[]? _value;
    private readonly bool _present;
    private readonly string _text;

    public HeaderRule(byte[] name, byte[]? value, bool present, string text)
    {
        _name = name;
        _value = value;
        _present = present;
        _text = text;
    }

    public override bool Matches(in EvalContext context)
    {
        var found = context.Request.Headers.TryGetFirst(_name, out var value);
        if (_value is null)
        {
            return found == _present;
        }

        return found && value.SequenceEqual(_value);
    }

    public override string Describe() => _text;
}
