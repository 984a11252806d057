using FastProxy.Core.Gate;
using Microsoft.Extensions.ObjectPool;

namespace FastProxy.Http.Proxy;

/// <summary>
/// The identifiers that tie a request to its audit record and its trace: the proxy's own request
/// id (always generated: a client must not choose or collide the id the audit trail and the
/// upstream know the request by), the client's X-Request-Id kept apart, sanitised, for the
/// record's `client_request_id`, and the W3C trace context (the caller's trace id kept, a new
/// span id for the hop upstream; a new trace when none or an invalid one came in). The bytes live
/// in a small pooled buffer returned when the request ends.
/// </summary>
internal struct RequestIds : IDisposable
{
    // Layout of the rented buffer: request id (32 hex), client request id (up to 64), trace id (32 hex), span id (16 hex), flags (2 hex).
    private const int RequestIdLength = 32;
    private const int ClientRequestIdOffset = RequestIdLength;

    /// <summary>Longest client X-Request-Id kept (docs/audit.md): ids in the wild are UUIDs or shorter; the rest is cut.</summary>
    private const int MaxClientRequestIdLength = 64;
    private const int TraceIdOffset = ClientRequestIdOffset + MaxClientRequestIdLength;
    private const int TraceIdLength = 32;
    private const int SpanIdOffset = TraceIdOffset + TraceIdLength;
    private const int SpanIdLength = 16;
    private const int FlagsOffset = SpanIdOffset + SpanIdLength;
    private const int BufferLength = FlagsOffset + 2;

    /// <summary>What a client id byte outside visible ASCII becomes: it cannot forge log or JSON syntax, and the cut shows.</summary>
    private const byte Replacement = (byte)'?';

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    // Its own pool, sized like the head pools: ArrayPool.Shared's per-core caches hold fewer buffers than there are
    // requests in flight on a busy proxy, and every miss allocated one.
    private static readonly ObjectPool<byte[]> Buffers = new DefaultObjectPool<byte[]>(new BufferPolicy(), 1024);

    private byte[]? _buffer;
    private int _clientRequestIdLength;

    /// <summary>The proxy's own id (32 lower-case hex digits): the audit record's `request_id`, and the X-Request-Id sent upstream.</summary>
    public readonly ReadOnlySpan<byte> RequestId => _buffer is null ? default : _buffer.AsSpan(0, RequestIdLength);

    /// <summary>The client's X-Request-Id, sanitised (visible ASCII) and capped; empty when none came. Recorded only, never sent on.</summary>
    public readonly ReadOnlySpan<byte> ClientRequestId => _buffer is null ? default : _buffer.AsSpan(ClientRequestIdOffset, _clientRequestIdLength);

    public readonly ReadOnlySpan<byte> TraceId => _buffer is null ? default : _buffer.AsSpan(TraceIdOffset, TraceIdLength);

    public readonly ReadOnlySpan<byte> SpanId => _buffer is null ? default : _buffer.AsSpan(SpanIdOffset, SpanIdLength);

    public readonly ReadOnlySpan<byte> Flags => _buffer is null ? default : _buffer.AsSpan(FlagsOffset, 2);

    public static RequestIds Create(IRequestHeaders headers)
    {
        var ids = new RequestIds { _buffer = Buffers.Get() };
        var buffer = ids._buffer.AsSpan();

        WriteRandomHex(buffer[..RequestIdLength]);
        if (headers.TryGetFirst("x-request-id"u8, out var clientId))
        {
            ids._clientRequestIdLength = CopySanitised(clientId, buffer.Slice(ClientRequestIdOffset, MaxClientRequestIdLength));
        }

        if (headers.TryGetFirst("traceparent"u8, out var parent) && TryParseTraceParent(parent, out var traceId, out var flags))
        {
            traceId.CopyTo(buffer[TraceIdOffset..]);
            flags.CopyTo(buffer[FlagsOffset..]);
        }
        else
        {
            WriteRandomHex(buffer.Slice(TraceIdOffset, TraceIdLength));
            "00"u8.CopyTo(buffer[FlagsOffset..]);
        }

        WriteRandomHex(buffer.Slice(SpanIdOffset, SpanIdLength));
        return ids;
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            Buffers.Return(_buffer);
            _buffer = null;
        }
    }

    /// <summary>
    /// Copies the client's id, at most <paramref name="destination"/>'s length, with every byte outside
    /// visible ASCII (controls, space, DEL, non-ASCII) replaced: the value is the client's claim, kept
    /// for correlation only, and must not split an access-log column or a header.
    /// </summary>
    private static int CopySanitised(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        var length = Math.Min(value.Length, destination.Length);
        for (var i = 0; i < length; i++)
        {
            var b = value[i];
            destination[i] = b is >= 0x21 and <= 0x7E ? b : Replacement;
        }

        return length;
    }

    /// <summary>W3C Trace Context §3.2: "00-" 32 hex "-" 16 hex "-" 2 hex, lower-case, ids not all zero.</summary>
    private static bool TryParseTraceParent(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> traceId, out ReadOnlySpan<byte> flags)
    {
        traceId = default;
        flags = default;

        // Version 00 is exactly 55 bytes; a future version may append fields after the flags (§3.2.4).
        if (value.Length < 55 || value[2] != '-' || value[35] != '-' || value[52] != '-' || (value.Length > 55 && value[55] != '-'))
        {
            return false;
        }

        var version = value[..2];
        if (!IsLowerHex(version) || version.SequenceEqual("ff"u8) || (version.SequenceEqual("00"u8) && value.Length != 55))
        {
            return false;
        }

        var trace = value.Slice(3, 32);
        var parent = value.Slice(36, 16);
        var traceFlags = value.Slice(53, 2);
        if (!IsLowerHex(trace) || !IsLowerHex(parent) || !IsLowerHex(traceFlags) || IsAllZero(trace) || IsAllZero(parent))
        {
            return false;
        }

        traceId = trace;
        flags = traceFlags;
        return true;
    }

    private static bool IsLowerHex(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (!((uint)(b - '0') <= 9 || (uint)(b - 'a') <= 5))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAllZero(ReadOnlySpan<byte> value) => !value.ContainsAnyExcept((byte)'0');

    private static void WriteRandomHex(Span<byte> destination)
    {
        Span<byte> random = stackalloc byte[32];
        random = random[..(destination.Length / 2)];
        Random.Shared.NextBytes(random);
        for (var i = 0; i < random.Length; i++)
        {
            destination[2 * i] = HexDigits[random[i] >> 4];
            destination[(2 * i) + 1] = HexDigits[random[i] & 0xF];
        }
    }

    private sealed class BufferPolicy : PooledObjectPolicy<byte[]>
    {
        public override byte[] Create() => new byte[BufferLength];

        public override bool Return(byte[] obj) => true;
    }
}
