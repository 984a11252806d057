namespace FastProxy.Policy.Config;

/// <summary>Where bearer tokens are read from: `Authorization: Bearer` always, a cookie optionally.</summary>
public sealed record TokenSourceConfig
{
    public string? Cookie { get; init; }

    /// <summary>Tokens longer than this are refused unparsed (401).</summary>
    public int MaxBytes { get; init; } = 8192;
}
