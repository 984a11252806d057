using System.Net;
using FastProxy.Core.Gate;
using FastProxy.Core.Observability;

namespace FastProxy.Host.Audit;

/// <summary>
/// One preallocated queue entry: the variable-length request fields copied (capped) into a reusable
/// byte buffer, everything else kept as values or as references to strings that already exist.
/// </summary>
internal sealed class AuditSlot
{
    /// <summary>Request id cap: the proxy's ids are 32 characters; the cap bounds a slot whatever a protocol layer passes.</summary>
    public const int MaxRequestIdBytes = 128;

    /// <summary>The client's X-Request-Id is capped at 64 bytes before it gets here; this bounds the slot regardless.</summary>
    public const int MaxClientRequestIdBytes = 128;

    /// <summary>A W3C trace id is 32 hex digits; anything longer is not one.</summary>
    public const int MaxTraceIdBytes = 64;

    /// <summary>Methods we know are at most 7 bytes; extension methods beyond 32 bytes are cut.</summary>
    public const int MaxMethodBytes = 32;

    /// <summary>RFC 1035 §2.3.4: a host name is at most 255 octets (plus a port).</summary>
    public const int MaxHostBytes = 262;

    /// <summary>Documented path cap (docs/audit.md): 2 KiB keeps a slot small; longer paths are cut and flagged.</summary>
    public const int MaxPathBytes = 2048;

    /// <summary>First buffer size: enough for ordinary requests; a slot grows once (up to the caps' sum) for long ones.</summary>
    private const int InitialDataBytes = 512;

    private const int MaxDataBytes = MaxRequestIdBytes + MaxClientRequestIdBytes + MaxTraceIdBytes + MaxMethodBytes + MaxHostBytes + MaxPathBytes;

    private byte[] _data = new byte[InitialDataBytes];
    private int _requestIdLength;
    private int _clientRequestIdLength;
    private int _traceIdLength;
    private int _methodLength;
    private int _hostLength;
    private int _pathLength;

    public bool Truncated { get; private set; }

    /// <summary>The record took its room from the unauthenticated share (the writer gives it back there).</summary>
    public bool UnauthenticatedShare { get; private set; }

    public long TimeUnixMilliseconds { get; private set; }

    public long DurationMicroseconds { get; private set; }

    public IPAddress? Client { get; private set; }

    public string? ClientCertificate { get; private set; }

    public string? ClientCertificateFingerprint { get; private set; }

    public IReadOnlyList<string>? ClientCertificateUriSans { get; private set; }

    public string? Protocol { get; private set; }

    public RequestOutcome Outcome { get; private set; }

    public GateAudit Gate { get; private set; }

    public int Status { get; private set; }

    public string? Upstream { get; private set; }

    public long BytesIn { get; private set; }

    public long BytesOut { get; private set; }

    /// <summary>Bytes of all request fields together (sizes the serializer's output).</summary>
    public int DataLength => _requestIdLength + _clientRequestIdLength + _traceIdLength + _methodLength + _hostLength + _pathLength;

    public ReadOnlySpan<byte> RequestId => _data.AsSpan(0, _requestIdLength);

    public ReadOnlySpan<byte> ClientRequestId => _data.AsSpan(_requestIdLength, _clientRequestIdLength);

    public ReadOnlySpan<byte> TraceId => _data.AsSpan(_requestIdLength + _clientRequestIdLength, _traceIdLength);

    public ReadOnlySpan<byte> Method => _data.AsSpan(_requestIdLength + _clientRequestIdLength + _traceIdLength, _methodLength);

    public ReadOnlySpan<byte> Host => _data.AsSpan(_requestIdLength + _clientRequestIdLength + _traceIdLength + _methodLength, _hostLength);

    public ReadOnlySpan<byte> Path => _data.AsSpan(_requestIdLength + _clientRequestIdLength + _traceIdLength + _methodLength + _hostLength, _pathLength);

    /// <summary>Copies the record (producer thread; allocation-free once the buffer is big enough).</summary>
    public void Fill(in RequestRecord record, long timeUnixMilliseconds, bool unauthenticatedShare = false)
    {
        var requestId = Cap(record.RequestId, MaxRequestIdBytes, out var cut1);
        var clientRequestId = Cap(record.ClientRequestId, MaxClientRequestIdBytes, out var cut0);
        var traceId = Cap(record.TraceId, MaxTraceIdBytes, out var cut2);
        var method = Cap(record.Method, MaxMethodBytes, out var cut3);
        var host = Cap(record.Host, MaxHostBytes, out var cut4);
        var path = Cap(record.Path, MaxPathBytes, out var cut5);
        var total = requestId.Length + clientRequestId.Length + traceId.Length + method.Length + host.Length + path.Length;
        if (total > _data.Length)
        {
            Grow(total);
        }

        var span = _data.AsSpan();
        requestId.CopyTo(span);
        span = span[requestId.Length..];
        clientRequestId.CopyTo(span);
        span = span[clientRequestId.Length..];
        traceId.CopyTo(span);
        span = span[traceId.Length..];
        method.CopyTo(span);
        span = span[method.Length..];
        host.CopyTo(span);
        span = span[host.Length..];
        path.CopyTo(span);
        _requestIdLength = requestId.Length;
        _clientRequestIdLength = clientRequestId.Length;
        _traceIdLength = traceId.Length;
        _methodLength = method.Length;
        _hostLength = host.Length;
        _pathLength = path.Length;
        Truncated = cut0 | cut1 | cut2 | cut3 | cut4 | cut5;

        UnauthenticatedShare = unauthenticatedShare;
        TimeUnixMilliseconds = timeUnixMilliseconds;
        DurationMicroseconds = record.DurationMicroseconds;
        Client = record.ClientAddress;
        ClientCertificate = record.ClientCertificate;
        ClientCertificateFingerprint = record.ClientCertificateFingerprint;
        ClientCertificateUriSans = record.ClientCertificateUriSans is { Count: > 0 } uriSans ? uriSans : null;
        Protocol = record.Protocol;
        Outcome = record.Outcome;
        Gate = record.Gate;
        Status = record.Status;
        Upstream = record.UpstreamEndpoint;
        BytesIn = record.BytesIn;
        BytesOut = record.BytesOut;
    }

    /// <summary>Drops the references once written, so the queue does not keep principals or addresses alive.</summary>
    public void Clear()
    {
        Client = null;
        ClientCertificate = null;
        ClientCertificateFingerprint = null;
        ClientCertificateUriSans = null;
        Protocol = null;
        Gate = default;
        Upstream = null;
    }

    private static ReadOnlySpan<byte> Cap(ReadOnlySpan<byte> value, int max, out bool cut)
    {
        cut = value.Length > max;
        return cut ? value[..max] : value;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void Grow(int needed)
    {
        var size = Math.Min(MaxDataBytes, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)needed));
        _data = new byte[Math.Max(size, needed)];
    }
}
