using System.Globalization;

namespace FastProxy.Host.Config;

/// <summary>One problem in a configuration: which file, where in the document, what is wrong and, when known, the line.</summary>
public sealed record ConfigError(string File, string Path, string Message, int? Line)
{
    /// <summary>"fastproxy.yaml: routes[1].cluster: unknown cluster 'ordrs' (line 23)".</summary>
    public override string ToString()
    {
        var where = Path.Length == 0 ? File : string.Concat(File, ": ", Path);
        return Line is { } line
            ? string.Create(CultureInfo.InvariantCulture, $"{where}: {Message} (line {line})")
            : string.Concat(where, ": ", Message);
    }
}
