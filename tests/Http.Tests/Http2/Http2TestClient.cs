using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.HPack;
using FastProxy.Tests.Common;

namespace FastProxy.Http.Tests.Http2;

/// <summary>
/// A small HTTP/2 client for driving <see cref="Http2Connection"/> over an <see cref="InMemoryConnection"/>: frames
/// written with our <see cref="Http2FrameWriter"/> and <see cref="HPackEncoder"/>, frames read back raw (so tests can
/// assert on exactly what the server sent, including malformed-input answers).
/// </summary>
internal sealed class Http2TestClient : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private readonly InMemoryConnection _connection;
    private readonly HPackEncoder _encoder = new();
    private readonly HPackDecoder _decoder = new(maxHeaderListSize: 1 << 20);
    private readonly List<Frame> _pending = [];

    public Http2TestClient(InMemoryConnection connection)
    {
        _connection = connection;
    }

    public PipeWriter Output => _connection.Output;

    /// <summary>The server's SETTINGS as received during <see cref="HandshakeAsync"/>.</summary>
    public Dictionary<Http2SettingsParameter, uint> ServerSettings { get; } = [];

    /// <summary>Preface + SETTINGS, reads the server's SETTINGS, ACKs it, waits for the ACK of ours.</summary>
    public async Task HandshakeAsync(params (Http2SettingsParameter, uint)[] settings)
    {
        await SendPrefaceAsync(settings);
        var serverSettings = await ExpectAsync(Http2FrameType.Settings, f => (f.Flags & Http2FrameFlags.Ack) == 0);
        for (var i = 0; i + 6 <= serverSettings.Payload.Length; i += 6)
        {
            ServerSettings[(Http2SettingsParameter)BinaryPrimitives.ReadUInt16BigEndian(serverSettings.Payload.AsSpan(i))] =
                BinaryPrimitives.ReadUInt32BigEndian(serverSettings.Payload.AsSpan(i + 2));
        }

        Http2FrameWriter.WriteSettingsAck(Output);
        await FlushAsync();
        await ExpectAsync(Http2FrameType.Settings, f => (f.Flags & Http2FrameFlags.Ack) != 0);
    }

    public async Task SendPrefaceAsync(params (Http2SettingsParameter, uint)[] settings)
    {
        Output.Write(Http2Preface.Bytes);
        Http2FrameWriter.WriteSettings(Output, settings);
        await FlushAsync();
    }

    /// <summary>Encodes a request head (pseudo-headers first, in the given order) into a field block.</summary>
    public byte[] Encode(params (string Name, string Value)[] fields)
    {
        var buffer = new byte[64 * 1024];
        _encoder.TryBeginBlock(buffer, out var length);
        foreach (var (name, value) in fields)
        {
            if (!_encoder.TryEncode(Encoding.Latin1.GetBytes(name), Encoding.Latin1.GetBytes(value), HPackIndexing.WithoutIndexing, huffman: false, buffer.AsSpan(length), out var written))
            {
                throw new InvalidOperationException("field block too large for the test buffer");
            }

            length += written;
        }

        return buffer[..length];
    }

    public static (string, string)[] Get(string path = "/", string authority = "example.com", params (string, string)[] extra) =>
        [(":method", "GET"), (":scheme", "http"), (":authority", authority), (":path", path), .. extra];

    public static (string, string)[] Post(string path = "/", string authority = "example.com", params (string, string)[] extra) =>
        [(":method", "POST"), (":scheme", "http"), (":authority", authority), (":path", path), .. extra];

    public Task SendHeadersAsync(int streamId, bool endStream, params (string, string)[] fields)
    {
        Http2FrameWriter.WriteHeaders(Output, streamId, Encode(fields), endStream, Http2Settings.MinMaxFrameSize);
        return FlushAsync();
    }

    public Task SendDataAsync(int streamId, byte[] data, bool endStream, int padLength = 0)
    {
        Http2FrameWriter.WriteData(Output, streamId, data, endStream, padLength);
        return FlushAsync();
    }

    public Task SendRawAsync(Http2FrameType type, byte flags, int streamId, byte[] payload)
    {
        Http2FrameWriter.WriteRaw(Output, type, flags, streamId, payload);
        return FlushAsync();
    }

    public Task SendRstStreamAsync(int streamId, Http2ErrorCode code)
    {
        Http2FrameWriter.WriteRstStream(Output, streamId, code);
        return FlushAsync();
    }

    public Task SendWindowUpdateAsync(int streamId, int increment)
    {
        Http2FrameWriter.WriteWindowUpdate(Output, streamId, increment);
        return FlushAsync();
    }

    public Task SendPingAsync(ulong data)
    {
        Http2FrameWriter.WritePing(Output, data, ack: false);
        return FlushAsync();
    }

    public Task SendSettingsAsync(params (Http2SettingsParameter, uint)[] settings)
    {
        Http2FrameWriter.WriteSettings(Output, settings);
        return FlushAsync();
    }

    public async Task FlushAsync() => await Output.FlushAsync();

    /// <summary>The next frame from the server (one set aside by an earlier expect first); null at end of input.</summary>
    public async Task<Frame?> ReadFrameAsync()
    {
        if (_pending.Count > 0)
        {
            var first = _pending[0];
            _pending.RemoveAt(0);
            return first;
        }

        return await ReadWireFrameAsync();
    }

    /// <summary>The next frame of <paramref name="type"/> matching <paramref name="match"/>; others are set aside for later reads.</summary>
    public async Task<Frame> ExpectAsync(Http2FrameType type, Func<Frame, bool>? match = null)
    {
        for (var i = 0; i < _pending.Count; i++)
        {
            if (_pending[i].Type == type && (match is null || match(_pending[i])))
            {
                var found = _pending[i];
                _pending.RemoveAt(i);
                return found;
            }
        }

        while (true)
        {
            var frame = await ReadWireFrameAsync() ?? throw new EndOfStreamException($"connection ended before a {type} frame");
            if (frame.Type == type && (match is null || match(frame)))
            {
                return frame;
            }

            _pending.Add(frame);
        }
    }

    /// <summary>The GOAWAY the server sent (reading past everything else), as (last stream id, error code).</summary>
    public async Task<(int LastStreamId, Http2ErrorCode Code)> ExpectGoAwayAsync()
    {
        var frame = await ExpectAsync(Http2FrameType.GoAway);
        return ((int)(BinaryPrimitives.ReadUInt32BigEndian(frame.Payload) & 0x7FFF_FFFF), (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(frame.Payload.AsSpan(4)));
    }

    public async Task<Http2ErrorCode> ExpectRstStreamAsync(int streamId)
    {
        var frame = await ExpectAsync(Http2FrameType.RstStream, f => f.StreamId == streamId);
        return (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(frame.Payload);
    }

    /// <summary>True when the server closes the connection (end of input) without sending anything else matching.</summary>
    public async Task<bool> ClosedAsync()
    {
        while (true)
        {
            var frame = await ReadWireFrameAsync();
            if (frame is null)
            {
                return true;
            }
        }
    }

    /// <summary>Reads one stream's response: head fields, body, trailers, until END_STREAM (or RST_STREAM: <c>Reset</c> set).</summary>
    public async Task<Response> ReadResponseAsync(int streamId, bool sendWindowUpdates = true)
    {
        var response = new Response();
        using var body = new MemoryStream();
        while (true)
        {
            var frame = await ExpectAsync(Http2FrameType.Headers, f => f.StreamId == streamId, alsoAccept: [Http2FrameType.Data, Http2FrameType.RstStream]);
            var ended = frame.EndStream && frame.Type is Http2FrameType.Data or Http2FrameType.Headers;
            switch (frame.Type)
            {
                case Http2FrameType.RstStream:
                    response.Reset = (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(frame.Payload);
                    response.Body = body.ToArray();
                    return response;
                case Http2FrameType.Data:
                    body.Write(frame.Payload);
                    if (sendWindowUpdates && frame.Payload.Length > 0)
                    {
                        Http2FrameWriter.WriteWindowUpdate(Output, 0, frame.Payload.Length);
                        Http2FrameWriter.WriteWindowUpdate(Output, streamId, frame.Payload.Length);
                        await FlushAsync();
                    }

                    break;
                default:
                    var fields = frame.Fields!;
                    if (response.Fields is null || (response.Status is >= 100 and < 200))
                    {
                        response.Fields = fields;
                        response.Status = int.Parse(fields.First(f => string.Equals(f.Name, ":status", StringComparison.Ordinal)).Value, System.Globalization.CultureInfo.InvariantCulture);
                        if (response.Status is >= 100 and < 200)
                        {
                            response.Interim.Add(response.Status);
                        }
                    }
                    else
                    {
                        response.Trailers = fields;
                    }

                    break;
            }

            if (ended)
            {
                response.Body = body.ToArray();
                return response;
            }
        }
    }

    private List<(string Name, string Value)> Decode(byte[] block)
    {
        var sink = new CollectingSink();
        var error = _decoder.Decode(block, ref sink);
        if (error != HPackError.None)
        {
            throw new InvalidOperationException($"server sent an undecodable field block: {error}");
        }

        return sink.Fields;
    }

    public async ValueTask DisposeAsync()
    {
        _encoder.Dispose();
        _decoder.Dispose();
        await _connection.DisposeAsync();
    }

    private async Task<Frame> ExpectAsync(Http2FrameType type, Func<Frame, bool> match, Http2FrameType[] alsoAccept)
    {
        bool Accept(Frame f) => match(f) && (f.Type == type || alsoAccept.Contains(f.Type));
        for (var i = 0; i < _pending.Count; i++)
        {
            if (Accept(_pending[i]))
            {
                var found = _pending[i];
                _pending.RemoveAt(i);
                return found;
            }
        }

        while (true)
        {
            var frame = await ReadWireFrameAsync() ?? throw new EndOfStreamException($"connection ended before a {type} frame");
            if (Accept(frame))
            {
                return frame;
            }

            _pending.Add(frame);
        }
    }

    /// <summary>
    /// The next frame off the wire. A HEADERS block (with its CONTINUATIONs joined) is decoded here, in wire order,
    /// because the HPACK table depends on it; the frame is handed out with its fields.
    /// </summary>
    private async Task<Frame?> ReadWireFrameAsync()
    {
        var frame = await ReadOneWireFrameAsync();
        if (frame is null || frame.Type != Http2FrameType.Headers)
        {
            return frame;
        }

        var block = frame.Payload;
        var flags = frame.Flags;
        while ((flags & Http2FrameFlags.EndHeaders) == 0)
        {
            var continuation = await ReadOneWireFrameAsync() ?? throw new EndOfStreamException("connection ended inside a field block");
            Assert.Equal(Http2FrameType.Continuation, continuation.Type);
            block = [.. block, .. continuation.Payload];
            flags |= (byte)(continuation.Flags & Http2FrameFlags.EndHeaders);
        }

        return new Frame(frame.Type, flags, frame.StreamId, block) { Fields = Decode(block) };
    }

    private async Task<Frame?> ReadOneWireFrameAsync()
    {
        using var cts = new CancellationTokenSource(ReadTimeout);
        var input = _connection.Input;
        var headerBytes = new byte[Http2FrameHeader.Size];
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(cts.Token);
            }
            catch (IOException)
            {
                return null;
            }

            var buffer = result.Buffer;
            if (buffer.Length >= Http2FrameHeader.Size)
            {
                buffer.Slice(0, Http2FrameHeader.Size).CopyTo(headerBytes);
                var header = Http2FrameHeader.ReadFrom(headerBytes);
                if (buffer.Length >= Http2FrameHeader.Size + header.Length)
                {
                    var payload = buffer.Slice(Http2FrameHeader.Size, header.Length).ToArray();
                    input.AdvanceTo(buffer.GetPosition(Http2FrameHeader.Size + header.Length));
                    return new Frame(header.Type, header.Flags, header.StreamId, payload);
                }
            }

            if (result.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                return null;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    internal sealed record Frame(Http2FrameType Type, byte Flags, int StreamId, byte[] Payload)
    {
        /// <summary>HEADERS: the decoded fields (decoded when the frame arrived, in wire order).</summary>
        public List<(string Name, string Value)>? Fields { get; init; }

        public bool EndStream => (Flags & Http2FrameFlags.EndStream) != 0;
    }

    internal sealed class Response
    {
        public int Status { get; set; }

        public List<int> Interim { get; } = [];

        public List<(string Name, string Value)>? Fields { get; set; }

        public List<(string Name, string Value)>? Trailers { get; set; }

        public byte[] Body { get; set; } = [];

        public Http2ErrorCode? Reset { get; set; }

        public string BodyText => Encoding.UTF8.GetString(Body);

        public string? Field(string name) => Fields?.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal)).Value;
    }

    private readonly struct CollectingSink : IHeaderHandler
    {
        public CollectingSink()
        {
        }

        public List<(string Name, string Value)> Fields { get; } = [];

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
            Fields.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));
    }
}
