namespace FastProxy.Host.Config;

/// <summary>Where each node of the document starts: path -> 1-based line of its key (or of the item, in a list).</summary>
internal sealed class LineMap
{
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    public static LineMap Empty { get; } = new();

    public void Set(string path, int line) => _lines[path] = line;

    /// <summary>
    /// The line of <paramref name="path"/>, or of its nearest ancestor that is in the file (a missing
    /// `routes[0].id` points at `routes[0]`); null when nothing but the document root is.
    /// </summary>
    public int? Find(string path)
    {
        var current = path;
        while (current.Length > 0)
        {
            if (_lines.TryGetValue(current, out var line))
            {
                return line;
            }

            current = DocumentPath.Parent(current);
        }

        return null;
    }
}
