using System.Buffers;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Http.Http1;
using FastProxy.Http.Proxy;
using static FastProxy.Fuzz.PropertyViolationException;

namespace FastProxy.Fuzz.Targets;

/// <summary>
/// The HTTP/1.1 response head parser. The first input byte picks the request method (framing differs for HEAD and
/// CONNECT), the rest is the upstream's bytes. Properties: split input parses as contiguous input; an accepted head
/// written canonically parses the same; the head the proxy writes to its client re-parses with the same status and
/// the same body framing (RFC 9112 §6.3: the client must find the body's end where the proxy does).
/// </summary>
public sealed class Http1ResponseTarget : IFuzzTarget
{
    private static readonly RequestMethod[] Methods = [RequestMethod.Get, RequestMethod.Head, RequestMethod.Post, RequestMethod.Connect];

    public string Name => "http1-response";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var method = Methods[input[0] % Methods.Length];
        var bytes = input[1..].ToArray();
        var head = new Http1ResponseHead();
        var status = Http1Parser.TryParseResponse(new ReadOnlySequence<byte>(bytes), head, method, Http1Limits.Default, out var consumed, out var error);
        var verdict = Verdict(status, head, error, consumed.GetInteger());

        var split = new Http1ResponseHead();
        var splitInput = Sequences.Split(bytes, bytes.Length / 3);
        var splitStatus = Http1Parser.TryParseResponse(splitInput, split, method, Http1Limits.Default, out var splitConsumed, out var splitError);
        var splitOffset = splitStatus == Http1ParseStatus.Complete ? splitInput.Slice(0, splitConsumed).Length : 0;
        Check(string.Equals(verdict, Verdict(splitStatus, split, splitError, splitOffset), StringComparison.Ordinal), "split input parses as contiguous input");

        if (status != Http1ParseStatus.Complete)
        {
            return;
        }

        Check(head.StatusCode is >= 100 and <= 999, "a status code has three digits");
        CheckCanonicalRoundTrip(head, method);
        CheckDownstreamFraming(head, method);
    }

    public static string Verdict(Http1ParseStatus status, Http1ResponseHead head, Http1ParseError error, long consumed)
    {
        ArgumentNullException.ThrowIfNull(head);
        return status switch
        {
            Http1ParseStatus.Complete => $"complete@{consumed} {Summary(head)}",
            Http1ParseStatus.Error => $"error {error.Kind}",
            _ => "incomplete",
        };
    }

    public static string Summary(Http1ResponseHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        var text = new StringBuilder();
        text.Append("1.").Append(head.VersionMinor).Append(' ').Append(head.StatusCode).Append(' ').Append(Latin1(head.Reason));
        for (var i = 0; i < head.HeaderCount; i++)
        {
            text.Append('\n').Append(Latin1(head.GetName(i))).Append(": ").Append(Latin1(head.GetValue(i)));
        }

        text.Append("\nbody=").Append(head.BodyKind).Append(' ').Append(head.ContentLength).Append(" keepalive=").Append(head.KeepAlive);
        return text.ToString();
    }

    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    private static void CheckCanonicalRoundTrip(Http1ResponseHead head, RequestMethod method)
    {
        var text = new List<byte>();
        text.AddRange(Encoding.ASCII.GetBytes($"HTTP/1.{head.VersionMinor} {head.StatusCode:D3} "));
        text.AddRange(head.Reason);
        text.AddRange("\r\n"u8);
        for (var i = 0; i < head.HeaderCount; i++)
        {
            text.AddRange(head.GetName(i));
            text.AddRange(": "u8);
            text.AddRange(head.GetValue(i));
            text.AddRange("\r\n"u8);
        }

        text.AddRange("\r\n"u8);
        var bytes = text.ToArray();
        var again = new Http1ResponseHead();
        var status = Http1Parser.TryParseResponse(new ReadOnlySequence<byte>(bytes), again, method, Http1Limits.Default, out var consumed, out var error);
        Check(status == Http1ParseStatus.Complete, $"an accepted head written canonically parses again (got {status} {error.Kind})");
        Check(consumed.GetInteger() == bytes.Length, "the canonical head is consumed exactly");
        Check(string.Equals(Summary(head), Summary(again), StringComparison.Ordinal), "the canonical head parses to the same response");
    }

    private static void CheckDownstreamFraming(Http1ResponseHead head, RequestMethod method)
    {
        // A close-delimited body is passed on close-delimited: the proxy closes the client connection after it.
        var closeAfter = head.BodyKind == ResponseBodyKind.CloseDelimited || !head.KeepAlive;
        var isUpgrade = head.StatusCode == 101;
        var written = PipeBytes.Capture(writer => Http1HeadWriter.WriteResponseHead(writer, head, clientIsHttp10: false, closeAfter, isUpgrade));
        var again = new Http1ResponseHead();
        var status = Http1Parser.TryParseResponse(new ReadOnlySequence<byte>(written), again, method, Http1Limits.Default, out var consumed, out var error);
        Check(status == Http1ParseStatus.Complete, $"the head written to the client parses (got {status} {error.Kind}): {Latin1(written)}");
        Check(consumed.GetInteger() == written.Length, "the head written to the client is exactly one head");
        Check(again.StatusCode == head.StatusCode, "the client sees the upstream's status");
        if (!isUpgrade)
        {
            Check(again.BodyKind == head.BodyKind, $"the client frames the body as the proxy read it ({head.BodyKind} -> {again.BodyKind})");
            Check(head.BodyKind != ResponseBodyKind.ContentLength || again.ContentLength == head.ContentLength, "the same Content-Length reaches the client");
        }

        Check(again.Count("content-length"u8) <= 1 && again.Count("transfer-encoding"u8) <= 1, "one framing field downstream");
    }
}
