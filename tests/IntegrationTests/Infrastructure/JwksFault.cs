namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// A misbehaving JWKS endpoint: answers <paramref name="Status"/> with <paramref name="Body"/> (null: the real key set)
/// as <paramref name="ContentType"/>, after <paramref name="Delay"/>.
/// </summary>
public sealed record JwksFault(int Status, string ContentType, string? Body, TimeSpan Delay = default);
