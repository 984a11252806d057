using System.Globalization;
using System.Text;

namespace FastProxy.Host.Logging;

/// <summary>
/// Formats one event as `2026-11-29T03:30:00.123Z warn  FastProxy.Http.Proxy[12] message`. The message
/// stays on one line: CR, LF and other control characters are escaped, so text that came from a
/// client (a path, a header) cannot forge log lines. Exception text follows on lines indented by four
/// spaces, which no event line starts with.
/// </summary>
internal static class LogLineFormatter
{
    private const string ExceptionIndent = "    ";

    public static void Format(in LogEntry entry, StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"{entry.Timestamp.UtcDateTime:yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'}");
        builder.Append(' ').Append(LogLevels.ShortName(entry.Level)).Append("  ");
        builder.Append(entry.Category).Append('[').Append(entry.EventId).Append("] ");
        AppendEscaped(builder, entry.Message);
        builder.Append('\n');

        if (entry.Exception is { } exception)
        {
            foreach (var line in exception.ToString().Split('\n'))
            {
                builder.Append(ExceptionIndent);
                AppendEscaped(builder, line.TrimEnd('\r'));
                builder.Append('\n');
            }
        }
    }

    private static void AppendEscaped(StringBuilder builder, string text)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                default:
                    if (char.IsControl(c) || c is '\u2028' or '\u2029')
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }
    }
}
