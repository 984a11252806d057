namespace FastProxy.Host.Config;

/// <summary>Raised while turning the file into a document: a syntax error or a refused YAML feature, with where it is.</summary>
internal sealed class ConfigSyntaxException : Exception
{
    public ConfigSyntaxException()
    {
        DocumentPath = "";
    }

    public ConfigSyntaxException(string message)
        : base(message)
    {
        DocumentPath = "";
    }

    public ConfigSyntaxException(string message, Exception innerException)
        : base(message, innerException)
    {
        DocumentPath = "";
    }

    public ConfigSyntaxException(string documentPath, string message, int? line)
        : base(message)
    {
        DocumentPath = documentPath;
        Line = line;
    }

    public string DocumentPath { get; }

    public int? Line { get; }
}
