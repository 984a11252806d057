using System.Buffers;
using System.Net;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Http.Http1;
using FastProxy.Http.Proxy;
using static FastProxy.Fuzz.PropertyViolationException;

namespace FastProxy.Fuzz.Targets;

/// <summary>
/// The HTTP/1.1 request head parser. Properties: the verdict does not depend on how the bytes are cut into segments
/// or on being fed in two reads (the Incomplete resume path); an accepted head re-serialised canonically parses to the
/// same request; and the head the proxy writes upstream for it (Http1HeadWriter over RequestHeaderTransform) parses as
/// exactly one request with the same method, path, query and body framing: no desync between what we read and write.
/// </summary>
public sealed class Http1RequestTarget : IFuzzTarget
{
    private static readonly byte[][] NoStripped = [];

    public string Name => "http1-request";

    public void Run(ReadOnlySpan<byte> input)
    {
        var bytes = input.ToArray();
        var head = new Http1RequestHead();
        var status = Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(bytes), head, Http1Limits.Default, out var consumed, out var error);
        var verdict = Verdict(status, head, error, consumed.GetInteger());

        var split = new Http1RequestHead();
        var splitStatus = Http1Parser.TryParseRequest(Sequences.Split(bytes, bytes.Length / 2), split, Http1Limits.Default, out var splitConsumed, out var splitError);
        Check(string.Equals(verdict, Verdict(splitStatus, split, splitError, Offset(bytes, splitConsumed, splitStatus)), StringComparison.Ordinal), "split input parses as contiguous input");

        var resumed = new Http1RequestHead();
        var half = Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(bytes, 0, bytes.Length / 2), resumed, Http1Limits.Default, out var halfConsumed, out var halfError);
        if (half == Http1ParseStatus.Incomplete)
        {
            half = Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(bytes), resumed, Http1Limits.Default, out halfConsumed, out halfError);
            Check(string.Equals(verdict, Verdict(half, resumed, halfError, halfConsumed.GetInteger()), StringComparison.Ordinal), "a head fed in two reads parses as one fed at once");
        }
        else if (half == Http1ParseStatus.Complete)
        {
            // A complete head in the first half is the same head with the whole input.
            Check(status == Http1ParseStatus.Complete && string.Equals(verdict, Verdict(half, resumed, halfError, halfConsumed.GetInteger()), StringComparison.Ordinal), "a head complete in a prefix is complete in the whole");
        }

        if (status != Http1ParseStatus.Complete)
        {
            return;
        }

        Check(head.HeadLength > 0 && consumed.GetInteger() <= bytes.Length, "consumed bytes lie inside the input");
        CheckCanonicalRoundTrip(head);
        CheckUpstreamFraming(head);
    }

    /// <summary>What a parse decided, as text to compare: the verdict and, when complete, every parsed field.</summary>
    public static string Verdict(Http1ParseStatus status, Http1RequestHead head, Http1ParseError error, long consumed)
    {
        ArgumentNullException.ThrowIfNull(head);
        return status switch
        {
            Http1ParseStatus.Complete => $"complete@{consumed} {Summary(head)}",
            Http1ParseStatus.Error => $"error {error.Kind} {error.Status}",
            _ => "incomplete",
        };
    }

    /// <summary>Method, target, version, fields in order and the framing the parser derived.</summary>
    public static string Summary(Http1RequestHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        var text = new StringBuilder();
        text.Append(Latin1(head.MethodBytes)).Append(' ').Append(Latin1(head.Target)).Append(" 1.").Append(head.VersionMinor);
        for (var i = 0; i < head.HeaderCount; i++)
        {
            text.Append('\n').Append(Latin1(head.GetName(i))).Append(": ").Append(Latin1(head.GetValue(i)));
        }

        text.Append("\nbody=").Append(head.BodyKind).Append(' ').Append(head.ContentLength)
            .Append(" keepalive=").Append(head.KeepAlive).Append(" upgrade=").Append(head.IsUpgrade)
            .Append(" expect=").Append(head.ExpectContinue);
        return text.ToString();
    }

    private static long Offset(byte[] bytes, SequencePosition position, Http1ParseStatus status)
        => status == Http1ParseStatus.Complete ? Sequences.Split(bytes, bytes.Length / 2).Slice(0, position).Length : 0;

    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    private static void CheckCanonicalRoundTrip(Http1RequestHead head)
    {
        var text = new List<byte>();
        text.AddRange(head.MethodBytes);
        text.Add((byte)' ');
        text.AddRange(head.Target);
        text.AddRange(head.VersionMinor == 0 ? " HTTP/1.0\r\n"u8 : " HTTP/1.1\r\n"u8);
        for (var i = 0; i < head.HeaderCount; i++)
        {
            text.AddRange(head.GetName(i));
            text.AddRange(": "u8);
            text.AddRange(head.GetValue(i));
            text.AddRange("\r\n"u8);
        }

        text.AddRange("\r\n"u8);
        var bytes = text.ToArray();
        var again = new Http1RequestHead();
        var status = Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(bytes), again, Http1Limits.Default, out var consumed, out var error);
        Check(status == Http1ParseStatus.Complete, $"an accepted head written canonically parses again (got {status} {error.Kind})");
        Check(consumed.GetInteger() == bytes.Length, "the canonical head is consumed exactly");
        Check(string.Equals(Summary(head), Summary(again), StringComparison.Ordinal), "the canonical head parses to the same request");
    }

    private static void CheckUpstreamFraming(Http1RequestHead head)
    {
        // The proxy adapters refuse CONNECT and asterisk-form before anything is written upstream.
        if (head.IsAuthorityForm || head.IsAsteriskForm)
        {
            return;
        }

        var ids = RequestIds.Create(head);
        byte[] upstream;
        try
        {
            upstream = PipeBytes.Capture(writer => Http1HeadWriter.WriteRequestHead(writer, head, GateDecision.Allow(), IPAddress.Loopback, "https"u8, NoStripped, ids));
        }
        finally
        {
            ids.Dispose();
        }

        var next = new Http1RequestHead();
        var status = Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(upstream), next, Http1Limits.Default, out var consumed, out var error);
        Check(status == Http1ParseStatus.Complete, $"the head written upstream parses (got {status} {error.Kind}): {Latin1(upstream)}");
        Check(consumed.GetInteger() == upstream.Length, "the head written upstream is exactly one head: nothing is left to be read as a second request");
        Check(head.MethodBytes.SequenceEqual(next.MethodBytes), "upstream sees the same method");
        var target = head.HasQuery ? Latin1(head.Path) + "?" + Latin1(head.Query) : Latin1(head.Path);
        Check(string.Equals(target, Latin1(next.Target), StringComparison.Ordinal), "upstream sees the same path and query");
        Check(head.BodyKind == next.BodyKind && head.ContentLength == next.ContentLength, "upstream frames the body as the proxy read it");
        Check(head.ForwardedAuthority.SequenceEqual(next.HostHeaderValue), "upstream sees the authority the proxy routed on");
        Check(head.IsUpgrade == next.IsUpgrade, "an upgrade stays an upgrade and nothing else becomes one");
        Check(next.Count("content-length"u8) <= 1 && next.Count("transfer-encoding"u8) <= 1, "one framing field upstream");
    }
}
