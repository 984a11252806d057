namespace FastProxy.Policy;

/// <summary>The outcome of one policy `tests:` case.</summary>
public sealed record PolicyTestResult(string Name, bool Passed, string Expected, string Actual, string Detail);
