using System.Globalization;
using System.Text;

namespace FastProxy.Host.Metrics;

/// <summary>
/// Writes the Prometheus text exposition format 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/): one `# HELP` and one
/// `# TYPE` line per family, then its samples; label values escaped; histograms as cumulative
/// `_bucket{le=...}` series ending in `+Inf`, then `_sum` and `_count`. Runs at scrape time only.
/// </summary>
internal sealed class PrometheusTextWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new(8 * 1024);
    private readonly HashSet<string> _families = new(StringComparer.Ordinal);

    /// <summary>Starts a family. A family may be declared once per exposition (the format requires it).</summary>
    public void Family(string name, MetricType type, string help)
    {
        if (!_families.Add(name))
        {
            throw new InvalidOperationException($"metric family '{name}' declared twice");
        }

        _text.Append("# HELP ").Append(name).Append(' ');
        AppendEscaped(help, escapeQuote: false);
        _text.Append("\n# TYPE ").Append(name).Append(' ').Append(TypeText(type)).Append('\n');
    }

    public void Sample(string name, long value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        StartSample(name, labels, extraName: null, extraValue: null);
        _text.Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    public void Sample(string name, double value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        StartSample(name, labels, extraName: null, extraValue: null);
        AppendDouble(value);
        _text.Append('\n');
    }

    /// <summary>
    /// One histogram series: <paramref name="slotCounts"/> holds one non-cumulative count per
    /// bound in <paramref name="leText"/> plus a final overflow count. The count written is the
    /// sum of the slots, so `+Inf` and `_count` always agree.
    /// </summary>
    public void Histogram(string name, ReadOnlySpan<string> leText, ReadOnlySpan<long> slotCounts, double sum, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        if (slotCounts.Length != leText.Length + 1)
        {
            throw new ArgumentException("one count per bound plus the overflow slot", nameof(slotCounts));
        }

        var bucket = name + "_bucket";
        long cumulative = 0;
        for (var i = 0; i < leText.Length; i++)
        {
            cumulative += slotCounts[i];
            StartSample(bucket, labels, "le", leText[i]);
            _text.Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        cumulative += slotCounts[leText.Length];
        StartSample(bucket, labels, "le", "+Inf");
        _text.Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
        Sample(name + "_sum", sum, labels);
        Sample(name + "_count", cumulative, labels);
    }

    public override string ToString() => _text.ToString();

    private static string TypeText(MetricType type) => type switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        MetricType.Histogram => "histogram",
        _ => "untyped",
    };

    private void StartSample(string name, ReadOnlySpan<(string Name, string Value)> labels, string? extraName, string? extraValue)
    {
        _text.Append(name);
        if (labels.Length == 0 && extraName is null)
        {
            _text.Append(' ');
            return;
        }

        _text.Append('{');
        var first = true;
        foreach (var (labelName, labelValue) in labels)
        {
            AppendLabel(labelName, labelValue, ref first);
        }

        if (extraName is not null)
        {
            AppendLabel(extraName, extraValue ?? "", ref first);
        }

        _text.Append("} ");
    }

    private void AppendLabel(string name, string value, ref bool first)
    {
        if (!first)
        {
            _text.Append(',');
        }

        first = false;
        _text.Append(name).Append("=\"");
        AppendEscaped(value, escapeQuote: true);
        _text.Append('"');
    }

    // Exposition format: in label values `\`, `"` and line feed are escaped as `\\`, `\"`, `\n`;
    // in HELP text only `\` and line feed.
    private void AppendEscaped(string value, bool escapeQuote)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    _text.Append(@"\\");
                    break;
                case '\n':
                    _text.Append(@"\n");
                    break;
                case '"' when escapeQuote:
                    _text.Append("\\\"");
                    break;
                default:
                    _text.Append(c);
                    break;
            }
        }
    }

    private void AppendDouble(double value)
    {
        if (double.IsNaN(value))
        {
            _text.Append("NaN");
        }
        else if (double.IsPositiveInfinity(value))
        {
            _text.Append("+Inf");
        }
        else if (double.IsNegativeInfinity(value))
        {
            _text.Append("-Inf");
        }
        else
        {
            // Shortest round-trippable form ("0.25", "1E-05"): Go's ParseFloat reads both.
            _text.Append(value.ToString("R", CultureInfo.InvariantCulture));
        }
    }
}
