namespace FastProxy.Policy.Identity;

/// <summary>A key file, PEM, JWK or JWKS that cannot be used; the message says why (never the key itself).</summary>
public sealed class KeyLoadException : Exception
{
    public KeyLoadException()
    {
    }

    public KeyLoadException(string message)
        : base(message)
    {
    }

    public KeyLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
