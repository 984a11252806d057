using System.Text.Json;

namespace FastProxy.Host.Config;

/// <summary>Turns System.Text.Json binding errors into short messages about the document, not about .NET types.</summary>
internal static class JsonErrorText
{
    public static string Describe(JsonException ex, ref string path)
    {
        var message = ex.Message;

        // "The JSON property 'alow' could not be mapped to any .NET member contained in type '...'."
        // The exception path already ends with the unknown key.
        const string MappedPrefix = "The JSON property '";
        const string MappedSuffix = "' could not be mapped to any .NET member";
        var suffix = message.IndexOf(MappedSuffix, StringComparison.Ordinal);
        if (suffix >= 0)
        {
            var key = message.StartsWith(MappedPrefix, StringComparison.Ordinal) && suffix >= MappedPrefix.Length
                ? message[MappedPrefix.Length..suffix]
                : LastKey(path);
            return $"unknown key '{key}'";
        }

        // "The constructor parameter 'Limits' on type '...' doesn't allow null values."
        if (message.Contains("doesn't allow null values", StringComparison.Ordinal))
        {
            return "must not be null";
        }

        // For a scalar of the wrong kind the outer message names the containing type; the inner one says what was expected.
        if (ex.InnerException is { } inner)
        {
            var detail = inner.Message;
            if (detail.Contains("as a number", StringComparison.Ordinal))
            {
                return "wrong type: expected a number";
            }

            if (detail.Contains("as a boolean", StringComparison.Ordinal))
            {
                return "wrong type: expected true or false";
            }

            if (detail.Contains("as a string", StringComparison.Ordinal))
            {
                return "wrong type: expected a single value, not a list or mapping";
            }

            if (detail.Contains("Int32", StringComparison.Ordinal))
            {
                return "expected a whole number from -2147483648 to 2147483647";
            }

            if (detail.Contains("Int64", StringComparison.Ordinal))
            {
                return "expected a whole number from -9223372036854775808 to 9223372036854775807";
            }

            if (detail.Contains("Double", StringComparison.Ordinal))
            {
                return "expected a number";
            }
        }

        var converted = message.IndexOf("could not be converted to ", StringComparison.Ordinal);
        if (converted >= 0)
        {
            var type = message[(converted + "could not be converted to ".Length)..];
            if (type.StartsWith("System.String", StringComparison.Ordinal))
            {
                return "wrong type: expected a single value, not a list or mapping";
            }

            return type.StartsWith("System.Collections.Generic.IReadOnlyList", StringComparison.Ordinal)
                ? "wrong type: expected a list"
                : "wrong type: expected a mapping";
        }

        return JsonLineMapper.CleanMessage(message);
    }

    private static string LastKey(string path)
    {
        if (path.EndsWith("']", StringComparison.Ordinal))
        {
            var open = path.LastIndexOf("['", StringComparison.Ordinal);
            return open < 0 || open + 2 > path.Length - 2 ? path : path[(open + 2)..^2];
        }

        var dot = path.LastIndexOf('.');
        return dot < 0 ? path : path[(dot + 1)..];
    }
}
