namespace FastProxy.Fuzz;

/// <summary>A property a target checks did not hold: AFL++ records the input as a crash.</summary>
public sealed class PropertyViolationException : Exception
{
    public PropertyViolationException()
    {
    }

    public PropertyViolationException(string message)
        : base(message)
    {
    }

    public PropertyViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Throws when <paramref name="condition"/> is false.</summary>
    public static void Check(bool condition, string property)
    {
        if (!condition)
        {
            throw new PropertyViolationException(property);
        }
    }
}
