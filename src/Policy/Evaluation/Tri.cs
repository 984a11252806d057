namespace FastProxy.Policy.Evaluation;

/// <summary>Static analysis result of a rule on a route: always matches, never matches, or it depends.</summary>
internal enum Tri : byte
{
    Depends,
    Always,
    Never,
}
