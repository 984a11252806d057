using System.Buffers;
using System.Buffers.Text;
using System.Threading.Channels;
using FastProxy.Core.Observability;
using FastProxy.Host.Config;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Observability;

/// <summary>
/// The optional access log: one line per request ("common" text or "json"), formatted on the
/// request's thread into a pooled buffer and written by a background task. When the writer
/// falls behind, lines are dropped and counted: the access log never slows requests (the audit
/// trail, not this, is the record that must be complete).
/// </summary>
public sealed partial class AccessLog : IRequestObserver, IAsyncDisposable
{
    // A line longer than this is cut (paths are attacker-sized; the cap bounds the work).
    private const int MaxLineBytes = 4096;
    private const int QueueCapacity = 4096;

    private readonly Channel<(byte[] Buffer, int Length)> _lines = Channel.CreateBounded<(byte[] Buffer, int Length)>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    private readonly Stream _output;
    private readonly bool _json;
    private readonly ILogger _logger;
    private readonly Task _writer;
    private long _dropped;

    private AccessLog(Stream output, bool json, ILogger logger)
    {
        _output = output;
        _json = json;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    public long Dropped => Volatile.Read(ref _dropped);

    public bool IsAuditAvailable => true;

    public static AccessLog Create(AccessLogConfig config, string baseDirectory, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        Stream output;
        if (string.Equals(config.Path, "stdout", StringComparison.Ordinal))
        {
            output = Console.OpenStandardOutput();
        }
        else
        {
            var path = System.IO.Path.GetFullPath(config.Path, baseDirectory);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            output = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 64 * 1024);
        }

        return new AccessLog(output, string.Equals(config.Format, "json", StringComparison.Ordinal), logger);
    }

    public void OnRequestCompleted(in RequestRecord record)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxLineBytes);
        var length = _json ? FormatJson(record, buffer) : FormatCommon(record, buffer);
        if (!_lines.Writer.TryWrite((buffer, length)))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Interlocked.Increment(ref _dropped);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _writer;
        await _output.DisposeAsync();
    }

    /// <summary>`client - subject [time] "METHOD path PROTO" status bytes route duration_ms request_id client_request_id` (`-` when the client sent none).</summary>
    private static int FormatCommon(in RequestRecord record, byte[] buffer)
    {
        var writer = new LineWriter(buffer);
        writer.Address(record.ClientAddress);
        writer.Ascii(" - ");
        writer.Text(record.Gate.Subject ?? "-");
        writer.Ascii(" [");
        writer.Time(record.StartUnixMilliseconds);
        writer.Ascii("] \"");
        writer.Bytes(record.Method);
        writer.Ascii(" ");
        writer.Bytes(record.Path);
        writer.Ascii(" ");
        writer.Text(record.Protocol);
        writer.Ascii("\" ");
        writer.Number(record.Status);
        writer.Ascii(" ");
        writer.Number(record.BytesOut);
        writer.Ascii(" ");
        writer.Text(record.Gate.RouteId ?? "-");
        writer.Ascii(" ");
        writer.Milliseconds(record.DurationMicroseconds);
        writer.Ascii(" ");
        writer.Bytes(record.RequestId);
        writer.Ascii(" ");
        if (record.ClientRequestId.IsEmpty)
        {
            writer.Ascii("-");
        }
        else
        {
            // The client's claim, in its own column: never where the proxy's id goes.
            writer.Bytes(record.ClientRequestId);
        }

        return writer.End();
    }

    private static int FormatJson(in RequestRecord record, byte[] buffer)
    {
        var writer = new LineWriter(buffer);
        writer.Ascii("{\"time\":\"");
        writer.Time(record.StartUnixMilliseconds);
        writer.Ascii("\",\"request_id\":");
        writer.JsonString(record.RequestId);
        writer.Ascii(",\"client_request_id\":");
        if (record.ClientRequestId.IsEmpty)
        {
            writer.Ascii("null");
        }
        else
        {
            writer.JsonString(record.ClientRequestId);
        }

        writer.Ascii(",\"client\":\"");
        writer.Address(record.ClientAddress);
        writer.Ascii("\",\"subject\":");
        writer.JsonString(record.Gate.Subject);
        writer.Ascii(",\"method\":");
        writer.JsonString(record.Method);
        writer.Ascii(",\"host\":");
        writer.JsonString(record.Host);
        writer.Ascii(",\"path\":");
        writer.JsonString(record.Path);
        writer.Ascii(",\"protocol\":");
        writer.JsonString(record.Protocol);
        writer.Ascii(",\"route\":");
        writer.JsonString(record.Gate.RouteId);
        writer.Ascii(",\"status\":");
        writer.Number(record.Status);
        writer.Ascii(",\"bytes_in\":");
        writer.Number(record.BytesIn);
        writer.Ascii(",\"bytes_out\":");
        writer.Number(record.BytesOut);
        writer.Ascii(",\"duration_ms\":");
        writer.Milliseconds(record.DurationMicroseconds);
        writer.Ascii("}");
        return writer.End();
    }

    private async Task WriteLoopAsync()
    {
        var reader = _lines.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var line))
            {
                try
                {
                    await _output.WriteAsync(line.Buffer.AsMemory(0, line.Length));
                }
                catch (IOException ex)
                {
                    Interlocked.Increment(ref _dropped);
                    LogWriteFailed(_logger, ex.Message);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(line.Buffer);
                }
            }

            try
            {
                await _output.FlushAsync();
            }
            catch (IOException ex)
            {
                LogWriteFailed(_logger, ex.Message);
            }
        }
    }

    [LoggerMessage(40, LogLevel.Warning, "access log write failed: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string reason);

    /// <summary>Appends to a fixed buffer, cutting at <see cref="MaxLineBytes"/> and neutralising bytes that could forge a second line.</summary>
    private ref struct LineWriter(byte[] buffer)
    {
        private readonly Span<byte> _buffer = buffer.AsSpan(0, MaxLineBytes - 1);
        private int _length;

        /// <summary>Literal format text (trusted): written as is.</summary>
        public void Ascii(string text)
        {
            foreach (var c in text)
            {
                Raw((byte)c);
            }
        }

        public void Text(string text)
        {
            foreach (var c in text)
            {
                Byte(c < 0x80 ? (byte)c : (byte)'?');
            }
        }

        public void Bytes(ReadOnlySpan<byte> bytes)
        {
            foreach (var b in bytes)
            {
                Byte(b);
            }
        }

        public void Number(long value)
        {
            if (Utf8Formatter.TryFormat(value, _buffer[_length..], out var written))
            {
                _length += written;
            }
        }

        public void Milliseconds(long micros)
        {
            Number(micros / 1000);
            Byte((byte)'.');
            var fraction = micros % 1000;
            Byte((byte)('0' + (fraction / 100)));
            Byte((byte)('0' + (fraction / 10 % 10)));
            Byte((byte)('0' + (fraction % 10)));
        }

        public void Time(long unixMilliseconds)
        {
            if (DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds).TryFormat(_buffer[_length..], out var written, "yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture))
            {
                _length += written;
            }
        }

        public void Address(System.Net.IPAddress? address)
        {
            if (address is not null && address.TryFormat(_buffer[_length..], out var written))
            {
                _length += written;
            }
            else
            {
                Byte((byte)'-');
            }
        }

        /// <summary>A JSON string (or null); bytes outside printable ASCII are escaped, so hostile input stays one valid line.</summary>
        public void JsonString(ReadOnlySpan<byte> bytes)
        {
            Raw((byte)'"');
            foreach (var b in bytes)
            {
                if (b is >= 0x20 and < 0x7F and not (byte)'"' and not (byte)'\\')
                {
                    Raw(b);
                }
                else
                {
                    Raw((byte)'\\');
                    Raw((byte)'u');
                    Raw((byte)'0');
                    Raw((byte)'0');
                    Raw(Hex(b >> 4));
                    Raw(Hex(b & 0xF));
                }
            }

            Raw((byte)'"');
        }

        public void JsonString(string? text)
        {
            if (text is null)
            {
                Ascii("null");
                return;
            }

            Raw((byte)'"');
            foreach (var c in text)
            {
                if (c is >= (char)0x20 and < (char)0x7F and not '"' and not '\\')
                {
                    Raw((byte)c);
                }
                else
                {
                    Ascii("\\u");
                    Raw(Hex((c >> 12) & 0xF));
                    Raw(Hex((c >> 8) & 0xF));
                    Raw(Hex((c >> 4) & 0xF));
                    Raw(Hex(c & 0xF));
                }
            }

            Raw((byte)'"');
        }

        public int End()
        {
            buffer[_length] = (byte)'\n';
            return _length + 1;
        }

        private static byte Hex(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);

        /// <summary>Appends a byte as is (the caller has escaped it).</summary>
        private void Raw(byte b)
        {
            if (_length < _buffer.Length)
            {
                _buffer[_length++] = b;
            }
        }

        private void Byte(byte b)
        {
            if (_length < _buffer.Length)
            {
                // Control characters and quotes cannot break the line format.
                _buffer[_length++] = b is < 0x20 or 0x7F or (byte)'"' ? (byte)'?' : b;
            }
        }
    }
}
