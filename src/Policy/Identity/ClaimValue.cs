namespace FastProxy.Policy.Identity;

/// <summary>
/// One claim of a validated token in compiled form: its string values (a JSON string, number or
/// boolean becomes one value; an array becomes its scalar elements) and whether it was an array.
/// Built once per validated token, read by the evaluator without allocating.
/// </summary>
internal readonly struct ClaimValue
{
    public static readonly ClaimValue Missing = new([], isArray: false, present: false);

    public ClaimValue(string[] values, bool isArray, bool present)
    {
        Values = values;
        IsArray = isArray;
        IsPresent = present;
    }

    public string[] Values { get; }

    public bool IsArray { get; }

    public bool IsPresent { get; }

    /// <summary>Exact (ordinal) membership: never a substring match.</summary>
    public bool ContainsValue(string value)
    {
        var values = Values;
        for (var i = 0; i < values.Length; i++)
        {
            if (string.Equals(values[i], value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString()
        => !IsPresent ? "(absent)" : IsArray ? "[" + string.Join(", ", Values) + "]" : Values.Length == 0 ? "(object)" : Values[0];
}
