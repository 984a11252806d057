namespace FastProxy.Policy.Evaluation;

internal enum PathGlobKind : byte
{
    Exact,
    Subtree,
    OneSegment,
}
