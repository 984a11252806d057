namespace FastProxy.Host.Config;

/// <summary>
/// Builds paths into the configuration document the way errors print them: `routes[1].match.path`,
/// `clusters.orders.endpoints[0]`. Keys that would be ambiguous in dotted form are bracketed
/// (`clusters['a.b']`), the same shape System.Text.Json uses in its exception paths.
/// </summary>
internal static class DocumentPath
{
    public static string Property(string parent, string name)
    {
        if (NeedsBrackets(name))
        {
            return string.Concat(parent, "['", name, "']");
        }

        return parent.Length == 0 ? name : string.Concat(parent, ".", name);
    }

    public static string Index(string parent, int index)
        => string.Concat(parent, "[", index.ToString(System.Globalization.CultureInfo.InvariantCulture), "]");

    /// <summary>Turns a System.Text.Json exception path (`$.routes[1].id`, `$['a.b']`) into ours.</summary>
    public static string FromJsonPath(string? jsonPath)
    {
        if (string.IsNullOrEmpty(jsonPath) || jsonPath is "$")
        {
            return "";
        }

        if (jsonPath.StartsWith("$.", StringComparison.Ordinal))
        {
            return jsonPath[2..];
        }

        return jsonPath[0] == '$' ? jsonPath[1..] : jsonPath;
    }

    /// <summary>The path one level up: `a.b[2]` -> `a.b`, `a.b` -> `a`, `a` -> "".</summary>
    public static string Parent(string path)
    {
        if (path.EndsWith("']", StringComparison.Ordinal))
        {
            var open = path.LastIndexOf("['", StringComparison.Ordinal);
            return open < 0 ? "" : path[..open];
        }

        var cut = path.LastIndexOfAny(['.', '[']);
        return cut < 0 ? "" : path[..cut];
    }

    private static bool NeedsBrackets(string name)
    {
        if (name.Length == 0)
        {
            return true;
        }

        foreach (var c in name)
        {
            if (c is '.' or '\'' or '[' or ']' or '"' or '\\' or '/' or '(' or ')' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }
}
