using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// clients/h2_request.py on python3-h2 (hyper-h2): an HTTP/2 client we did not write that sends exactly the fields it is
/// given, malformed ones included. It runs under /usr/bin/python3 (the system Python that has python3-h2; a pyenv Python
/// first in PATH may not).
/// </summary>
public static class PythonH2
{
    private const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> s_missing = new(FindMissing);

    /// <summary>One stream: its fields in order (pseudo-headers first, as given) and an optional body.</summary>
    public static JsonObject Stream(string method, string path, string? authority, string? body = null, params (string Name, string Value)[] fields)
    {
        var headers = new JsonArray { Field(":method", method), Field(":scheme", "http"), Field(":path", path) };
        if (authority is not null)
        {
            headers.Add(Field(":authority", authority));
        }

        foreach (var (name, value) in fields)
        {
            headers.Add(Field(name, value));
        }

        return new JsonObject { ["headers"] = headers, ["body"] = body };
    }

    /// <summary>Sends the streams on one connection to 127.0.0.1:<paramref name="port"/> and returns what came back.</summary>
    public static async Task<H2Result> SendAsync(int port, params JsonObject[] streams)
    {
        using var process = Start(port, new JsonObject { ["streams"] = new JsonArray([.. streams]), ["timeout"] = 10 });
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return H2Result.Parse(await stdout, await stderr);
    }

    /// <summary>
    /// Drain mode: sends <paramref name="first"/>, SIGTERMs <paramref name="proxyPid"/> <paramref name="termAfter"/>
    /// later, sends <paramref name="late"/> once the server's GOAWAY arrived, and reads on until the server closes.
    /// </summary>
    public static async Task<H2Result> DrainAsync(int port, int proxyPid, TimeSpan termAfter, JsonObject first, JsonObject late)
    {
        using var process = Start(port, new JsonObject
        {
            ["streams"] = new JsonArray(first, late),
            ["drain"] = true,
            ["term_pid"] = proxyPid,
            ["term_after"] = termAfter.TotalSeconds,
            ["timeout"] = 20,
        });
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(40));
        return H2Result.Parse(await stdout, await stderr);
    }

    private static Process Start(int port, JsonObject spec)
    {
        var missing = s_missing.Value;
        Assert.True(missing is null, missing);
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "clients", "h2_request.py"));
        info.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info.ArgumentList.Add(spec.ToJsonString());
        return Process.Start(info)!;
    }

    private static JsonArray Field(string name, string value) => new(name, value);

    private static string? FindMissing()
    {
        if (!File.Exists(Python))
        {
            return $"{Python} not found: these tests need the system Python with python3-h2 (apt-get install python3-h2)";
        }

        var info = new ProcessStartInfo(Python, ["-c", "import h2"]) { RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? null : $"{Python} lacks the h2 module (apt-get install python3-h2): {error}";
    }
}

/// <summary>What clients/h2_request.py saw: each stream's answer, the GOAWAY, and whether the server closed.</summary>
public sealed class H2Result
{
    private H2Result(JsonElement root, string raw)
    {
        Root = root;
        Raw = raw;
    }

    public JsonElement Root { get; }

    /// <summary>The client's whole output (for assertion messages).</summary>
    public string Raw { get; }

    public bool Closed => Root.GetProperty("closed").GetBoolean();

    public int? GoAwayCode => Root.GetProperty("goaway") is { ValueKind: JsonValueKind.Object } g ? g.GetProperty("code").GetInt32() : null;

    public int? GoAwayLastStreamId => Root.GetProperty("goaway") is { ValueKind: JsonValueKind.Object } g ? g.GetProperty("last_stream_id").GetInt32() : null;

    public string? Property(string name) => Root.TryGetProperty(name, out var value) ? value.ToString() : null;

    public H2StreamResult Stream(int id) => new(Root.GetProperty("streams").GetProperty(id.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static H2Result Parse(string stdout, string stderr)
    {
        var json = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
        Assert.True(json is not null, "h2_request.py printed no result:\n" + stdout + stderr);
        return new H2Result(JsonDocument.Parse(json).RootElement.Clone(), stdout + stderr);
    }
}

public sealed class H2StreamResult(JsonElement stream)
{
    public int? Status => stream.GetProperty("status") is { ValueKind: JsonValueKind.Number } s ? s.GetInt32() : null;

    /// <summary>The RST_STREAM error code received (1 = PROTOCOL_ERROR), or null.</summary>
    public int? Reset => stream.GetProperty("reset") is { ValueKind: JsonValueKind.Number } r ? r.GetInt32() : null;

    public bool Ended => stream.GetProperty("ended").GetBoolean();

    public string Body => stream.GetProperty("body").GetString()!;

    public string? Field(string name) => stream.GetProperty("headers").EnumerateArray()
        .Where(f => string.Equals(f[0].GetString(), name, StringComparison.Ordinal)).Select(f => f[1].GetString()).FirstOrDefault();
}
