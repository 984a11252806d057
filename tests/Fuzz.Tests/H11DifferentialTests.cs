using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FastProxy.Http.Http1;

namespace FastProxy.Fuzz.Tests;

/// <summary>
/// Differential test of the HTTP/1.1 request parser against Python's h11 (Debian python3-h11), a parser we did not
/// write: every request in the seed corpus (real requests and the smuggling cases) goes through both, and the verdicts
/// (accept or reject; method, target, version, field list; the body bytes the framing gives) are compared. Each
/// disagreement is either a bug to fix or one of <see cref="Explained"/>, each explained in docs/security.md.
/// </summary>
public sealed class H11DifferentialTests
{
    private const string Python = "/usr/bin/python3";

    /// <summary>Inputs where FastProxy and h11 disagree on purpose; docs/security.md ("Differential testing") says why.</summary>
    private static readonly Dictionary<string, string> Explained = new(StringComparer.Ordinal)
    {
        ["leading-crlf"] = "we skip one empty line before the request line (RFC 9112 §2.2 SHOULD); h11 refuses it",
        ["smuggle-bare-lf"] = "h11 accepts a bare LF as a line end; we refuse it (RFC 9112 §2.2 MAY, a desync vector)",
        ["smuggle-bare-lf-header"] = "h11 accepts a bare LF as a line end; we refuse it",
        ["smuggle-obs-fold"] = "h11 unfolds obs-fold; we refuse it (RFC 9112 §5.2 allows either)",
        ["smuggle-obs-fold-te"] = "h11 unfolds obs-fold, here into Transfer-Encoding; we refuse it",
        ["smuggle-cl-te"] = "h11 lets Transfer-Encoding win over Content-Length; we refuse the pair (RFC 9112 §6.1 MAY; a proxy must not forward it)",
        ["smuggle-te-cl"] = "the same pair in the other order",
        ["smuggle-cl-huge"] = "h11 accepts a 23-digit Content-Length; we refuse one that does not fit a long",
        ["smuggle-te-http10"] = "h11 accepts Transfer-Encoding in HTTP/1.0; we refuse it (RFC 9112 §6.1: the framing is faulty)",
        ["smuggle-version-http2"] = "h11 accepts any HTTP/x.y request line; we only HTTP/1.0 and HTTP/1.1",
        ["smuggle-chunk-size-overflow"] = "both accept the head; h11 reads an 18-digit chunk size as a huge chunk, we refuse sizes over 15 hex digits",
        ["smuggle-cl-list"] = "same framing; h11 rewrites \"5, 5\" to \"5\", we keep the field and restate one Content-Length upstream",
        ["smuggle-duplicate-cl-same"] = "same framing; h11 merges identical Content-Length fields, we keep both and restate one upstream",
        ["smuggle-te-case"] = "same framing; h11 lower-cases the value, we keep it (coding names are case-insensitive) and restate \"chunked\" upstream",
    };

    [Fact]
    public void RequestCorpus_FastProxyAndH11_AgreeOrTheDifferenceIsExplained()
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "corpus", "http1-request");
        var files = Directory.GetFiles(directory).Order(StringComparer.Ordinal).ToArray();
        var theirs = RunH11(files);
        var disagreements = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            var ours = Ours(File.ReadAllBytes(file));
            var other = theirs[name];
            if (!string.Equals(ours, other, StringComparison.Ordinal))
            {
                disagreements[name] = $"fastproxy: {ours}\n    h11:       {other}";
            }
        }

        // The full comparison, for docs/security.md and for triage.
        File.WriteAllLines(Path.Combine(AppContext.BaseDirectory, "h11-differential.txt"), disagreements.Select(d => $"{d.Key}\n    {d.Value}"));
        var unexplained = disagreements.Where(d => !Explained.ContainsKey(d.Key)).Select(d => $"{d.Key}\n    {d.Value}").ToArray();
        var stale = Explained.Keys.Where(k => !disagreements.ContainsKey(k)).ToArray();
        Assert.True(unexplained.Length == 0, "disagreements with h11 not explained in docs/security.md:\n" + string.Join('\n', unexplained));
        Assert.True(stale.Length == 0, "explained disagreements that no longer happen (update the table): " + string.Join(", ", stale));
    }

    /// <summary>Our verdict in the same normal form as h11_verdict.py's: names lower case, the body the framing gives.</summary>
    internal static string Ours(byte[] input)
    {
        var head = new Http1RequestHead();
        var status = Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(input), head, Http1Limits.Default, out var consumed, out _);
        if (status == Http1ParseStatus.Error)
        {
            return "reject";
        }

        if (status == Http1ParseStatus.Incomplete)
        {
            return "incomplete";
        }

        var text = new StringBuilder("accept ");
        text.Append(Encoding.Latin1.GetString(head.MethodBytes)).Append(' ').Append(Encoding.Latin1.GetString(head.Target)).Append(" 1.").Append(head.VersionMinor);
        for (var i = 0; i < head.HeaderCount; i++)
        {
            text.Append(" | ").Append(Encoding.Latin1.GetString(head.GetName(i)).ToLowerInvariant()).Append(": ").Append(Encoding.Latin1.GetString(head.GetValue(i)));
        }

        var rest = input.AsSpan(consumed.GetInteger());
        var (body, complete) = head.BodyKind switch
        {
            BodyKind.ContentLength => (rest[..(int)Math.Min(rest.Length, head.ContentLength)].ToArray(), rest.Length >= head.ContentLength),
            BodyKind.Chunked => Dechunk(rest.ToArray()),
            _ => ([], true),
        };
        return text.Append(" || body ").Append(Convert.ToHexString(body).ToLowerInvariant()).Append(complete ? " complete" : " incomplete").ToString();
    }

    private static (byte[] Body, bool Complete) Dechunk(byte[] bytes)
    {
        var reader = ChunkedBodyReader.ForDecoding(1 << 20, Http1Limits.Default);
        var body = new List<byte>();
        var rest = new ReadOnlySequence<byte>(bytes);
        while (true)
        {
            var status = reader.Decode(rest, out var used, out var piece, out _);
            if (piece.Kind == ChunkedPieceKind.Data)
            {
                body.AddRange(rest.Slice(piece.Start, piece.Length).ToArray());
            }

            rest = rest.Slice(used);
            if (status != ChunkedStatus.NeedMore || piece.Kind == ChunkedPieceKind.None)
            {
                return ([.. body], status == ChunkedStatus.Done);
            }
        }
    }

    /// <summary>h11's verdicts, by file name, in the form <see cref="Ours"/> writes.</summary>
    private static Dictionary<string, string> RunH11(string[] files)
    {
        Assert.True(File.Exists(Python), "Debian's python3 with python3-h11 is needed (test.sh installs it)");
        var start = new ProcessStartInfo(Python) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "differential", "h11_verdict.py"));
        foreach (var file in files)
        {
            start.ArgumentList.Add(file);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "h11_verdict.py did not finish in 60 s");
        Assert.True(process.ExitCode == 0, "h11_verdict.py failed: " + stderr.GetAwaiter().GetResult()); // completed: the process exited
        var verdicts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in stdout.GetAwaiter().GetResult().Split('\n', StringSplitOptions.RemoveEmptyEntries)) // completed: the process exited
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            verdicts[root.GetProperty("file").GetString()!] = Normal(root);
        }

        return verdicts;
    }

    private static string Normal(JsonElement v)
    {
        var verdict = v.GetProperty("verdict").GetString()!;
        if (!string.Equals(verdict, "accept", StringComparison.Ordinal))
        {
            return verdict;
        }

        var text = new StringBuilder("accept ");
        text.Append(v.GetProperty("method").GetString()).Append(' ').Append(v.GetProperty("target").GetString()).Append(' ').Append(v.GetProperty("version").GetString());
        foreach (var header in v.GetProperty("headers").EnumerateArray())
        {
            text.Append(" | ").Append(header[0].GetString()).Append(": ").Append(header[1].GetString());
        }

        var complete = v.GetProperty("complete").GetBoolean();
        return text.Append(" || body ").Append(v.GetProperty("body").GetString()).Append(complete ? " complete" : " incomplete").ToString();
    }
}
