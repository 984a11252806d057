namespace FastProxy.Policy.Identity;

/// <summary>
/// Interns every claim path the policy reads (rules and upstream headers) to a small integer id,
/// at compile time. A validated token's claims are extracted into an array indexed by that id, so
/// evaluation never looks a claim up by name.
/// </summary>
internal sealed class ClaimTable
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _paths = [];

    public int Count => _paths.Count;

    public IReadOnlyList<string> Paths => _paths;

    public int Intern(string path)
    {
        if (_ids.TryGetValue(path, out var id))
        {
            return id;
        }

        id = _paths.Count;
        _paths.Add(path);
        _ids.Add(path, id);
        return id;
    }
}
