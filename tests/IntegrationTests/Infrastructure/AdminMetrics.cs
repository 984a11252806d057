using System.Globalization;
using System.Text.RegularExpressions;

namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// The admin listener of a running proxy (its config has an `admin` address): finds it from the "admin on" line and
/// reads single samples out of its /metrics text, so drills can assert on counters by name and labels.
/// </summary>
public sealed partial class AdminMetrics : IDisposable
{
    private readonly HttpClient _client;

    public AdminMetrics(ProxyProcess proxy)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        var match = AdminLine().Match(proxy.Output);
        if (!match.Success)
        {
            throw new InvalidOperationException("no 'fastproxy: admin on' line:\n" + proxy.Output);
        }

        _client = new HttpClient { BaseAddress = new Uri(match.Groups["url"].Value), Timeout = TimeSpan.FromSeconds(15) };
    }

    /// <summary>The admin client, for other admin paths (/config, /readyz).</summary>
    public HttpClient Client => _client;

    public Task<string> ScrapeAsync() => _client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

    /// <summary>The value of the one sample of <paramref name="name"/> with exactly <paramref name="labels"/>; null when there is none.</summary>
    public static double? Sample(string text, string name, params (string Key, string Value)[] labels)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(labels);
        var wanted = labels.Length == 0
            ? name
            : name + "{" + string.Join(",", labels.Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(wanted + " ", StringComparison.Ordinal))
            {
                return double.Parse(line.AsSpan(wanted.Length + 1), CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>Scrapes until <paramref name="condition"/> holds for the sample (or the time is up); returns the last text.</summary>
    public async Task<(bool Held, string Text)> WaitForSampleAsync(string name, Func<double, bool> condition, TimeSpan timeout, params (string Key, string Value)[] labels)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var text = await ScrapeAsync();
            if (Sample(text, name, labels) is { } value && condition(value))
            {
                return (true, text);
            }

            if (DateTime.UtcNow > deadline)
            {
                return (false, text);
            }

            await Task.Delay(100);
        }
    }

    public void Dispose() => _client.Dispose();

    [GeneratedRegex(@"^fastproxy: admin on (?<url>http://\S+)", RegexOptions.ExplicitCapture | RegexOptions.Multiline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AdminLine();
}
