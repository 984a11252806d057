using System.Text.Json;

namespace FastProxy.Host.Config;

/// <summary>Turns System.Text.Json binding errors into short messages about the document, not about .NET types.</summary>
internal static class JsonErrorText
{
    public static string Describe(JsonException ex, ref string path)
    {
        var message = ex.Message;

        // "The JSON property 'alow' could not be mapped to any .NET member contained in type '...'."
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal) && Quoted(message) is { } key)
        {
            var keyPath = DocumentPath.Property(path, key);
            if (!path.EndsWith(key, StringComparison.Ordinal))
            {
                path = keyPath;
            }

            return $"unknown key '{key}'";
        }

        var converted = message.IndexOf("could not be converted to ", StringComparison.Ordinal);
        if (converted >= 0)
        {
            var type = message[(converted + "could not be converted to ".Length)..];
            return "wrong type: expected " + Expected(type);
        }

        if (message.Contains("null", StringComparison.OrdinalIgnoreCase) && message.Contains("doesn't allow", StringComparison.Ordinal))
        {
            return "must not be null";
        }

        return JsonLineMapper.CleanMessage(message);
    }

    private static string Expected(string type)
    {
        if (type.StartsWith("System.Int32", StringComparison.Ordinal) || type.StartsWith("System.Int64", StringComparison.Ordinal))
        {
            return "a whole number";
        }

        if (type.StartsWith("System.Double", StringComparison.Ordinal))
        {
            return "a number";
        }

        if (type.StartsWith("System.Boolean", StringComparison.Ordinal) || type.StartsWith("System.Nullable`1[System.Boolean]", StringComparison.Ordinal))
        {
            return "true or false";
        }

        if (type.StartsWith("System.String", StringComparison.Ordinal))
        {
            return "a string";
        }

        if (type.StartsWith("System.Collections.Generic.IReadOnlyList", StringComparison.Ordinal) || type.StartsWith("System.Collections.Generic.List", StringComparison.Ordinal))
        {
            return "a list";
        }

        return "a mapping";
    }

    private static string? Quoted(string message)
    {
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var end = message.IndexOf('\'', start + 1);
        return end > start ? message[(start + 1)..end] : null;
    }
}
