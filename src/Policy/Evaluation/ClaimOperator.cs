namespace FastProxy.Policy.Evaluation;

internal enum ClaimOperator : byte
{
    /// <summary>A scalar claim equal to the value (an array claim never equals a string).</summary>
    EqualsValue,

    /// <summary>The value is one of the claim's values (array element, or the scalar itself). Exact, never a substring.</summary>
    Contains,

    /// <summary>One of the claim's values is one of the listed values.</summary>
    AnyOf,
}
