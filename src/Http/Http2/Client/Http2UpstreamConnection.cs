using System.IO.Pipelines;
using FastProxy.Core.Transport;
using FastProxy.Core.Upstream;
using FastProxy.Http.Http2.HPack;
using Microsoft.Extensions.Logging;

namespace FastProxy.Http.Http2.Client;

/// <summary>
/// One HTTP/2 connection to an upstream (RFC 9113, client side): the preface and SETTINGS exchange, then one read loop
/// task that applies the upstream's SETTINGS, PING, GOAWAY, RST_STREAM and WINDOW_UPDATE and delivers response heads,
/// bodies and trailers to its <see cref="Http2UpstreamStream"/>s. Streams write their requests concurrently; one lock
/// (<see cref="Sync"/>) orders frames, HPACK encoding, stream ids and window accounting (Http2UpstreamConnection.Output.cs).
/// A stream error resets one stream; a connection error sends GOAWAY, closes, and fails every open stream.
/// </summary>
internal sealed partial class Http2UpstreamConnection : IAsyncDisposable
{
    /// <summary>Control frames (PING, SETTINGS) the upstream may make us answer per second before we call it a flood.</summary>
    internal const int MaxControlFramesPerSecond = 1000;

    private readonly TransportConnection _transport;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Http2UpstreamOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _cluster;
    private readonly string _endpoint;
    private readonly IHttp2UpstreamConnectionOwner? _owner;
    private readonly Http2FrameReader _reader = new();
    private readonly HPackDecoder _decoder;
    private readonly HPackEncoder _encoder = new();
    private readonly Http2FieldBlockBuffer _fieldBlock = new();
    private readonly Dictionary<int, Http2UpstreamStream> _streams = [];
    private readonly Stack<Http2UpstreamStream> _free = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _streamReceiveWindow;
    private Http2Settings _peerSettings = new();
    private Http2FlowWindow _connectionSendWindow = new(Http2Settings.DefaultInitialWindowSize);
    private Http2FlowWindow _connectionReceiveWindow;
    private Http2ReceiveCredit _connectionCredit;
    private Task _readTask = Task.CompletedTask;
    private int _nextStreamId = 1;
    private int _reserved;
    private bool _settingsReceived;
    private bool _goAwayReceived;
    private int _goAwayLastStreamId = int.MaxValue;
    private bool _closed;
    private int _closeStarted;
    private long _controlWindowStart;
    private int _controlFrames;
    private long _lastReadAt;
    private long _idleSince;
    private long _drainingSince;
    private long _pingSentAt;
    private ulong _pingPayload;

    public Http2UpstreamConnection(TransportConnection transport, Http2UpstreamOptions options, TimeProvider time, ILogger logger, string cluster, string endpoint, IHttp2UpstreamConnectionOwner? owner = null)
    {
        _transport = transport;
        _input = transport.Input;
        _output = transport.Output;
        _options = options;
        _time = time;
        _logger = logger;
        _cluster = cluster;
        _endpoint = endpoint;
        _owner = owner;
        _reader.MaxFieldBlockSize = options.MaxFieldBlockSize;

        // The decoder's hard bound is twice what we advertise: a head between the two is decoded (the HPACK table stays
        // in step) and refused on its stream; past the hard bound decoding stops, a connection error.
        _decoder = new HPackDecoder(options.HeaderTableSize, 2 * options.MaxHeaderListSize);

        // Until the upstream ACKs our SETTINGS it may still count the protocol's 65,535 (RFC 9113 §6.9.2): account with the larger.
        _streamReceiveWindow = Math.Max(options.InitialStreamWindowSize, Http2Settings.DefaultInitialWindowSize);
        var connectionWindow = Math.Max(options.ConnectionWindowSize, Http2Settings.DefaultInitialWindowSize);
        _connectionReceiveWindow = new Http2FlowWindow(connectionWindow);
        _connectionCredit = new Http2ReceiveCredit(connectionWindow);
        _lastReadAt = time.GetTimestamp();
        _idleSince = _lastReadAt;
    }

    internal Lock Sync { get; } = new();

    public long Id => _transport.Id;

    /// <summary>Whether the connection runs over TLS (its streams' :scheme is https).</summary>
    public bool IsSecure => _transport.Security is not null;

    /// <summary>Streams lent out now (reserved or open).</summary>
    public int ActiveStreams => Volatile.Read(ref _reserved);

    /// <summary>True after GOAWAY either way or a close: no new streams.</summary>
    public bool IsDraining
    {
        get
        {
            lock (Sync)
            {
                return _goAwayReceived || _goAwaySent || _closed;
            }
        }
    }

    public bool IsClosed => Volatile.Read(ref _closeStarted) != 0;

    /// <summary>Completes when the read loop ended and the transport was closed.</summary>
    public Task Completion => _readTask;

    /// <summary>Streams this connection takes at most: ours and the upstream's SETTINGS_MAX_CONCURRENT_STREAMS, the lower.</summary>
    public int StreamLimit
    {
        get
        {
            lock (Sync)
            {
                return StreamLimitLocked;
            }
        }
    }

    private int StreamLimitLocked => (int)Math.Min((uint)Math.Max(1, _options.MaxConcurrentStreamsPerConnection), _peerSettings.MaxConcurrentStreams);

    internal string Cluster => _cluster;

    internal string Endpoint => _endpoint;

    /// <summary>
    /// Sends the preface and our SETTINGS, starts the read loop, and waits for the upstream's SETTINGS (RFC 9113 §3.4).
    /// Throws <see cref="UpstreamConnectException"/> when it does not come within <paramref name="timeout"/> or something
    /// else comes instead (an HTTP/1.1 server, garbage, a close); the connection is then closed.
    /// </summary>
    public async Task StartAsync(TimeSpan timeout, CancellationToken ct)
    {
        _flushTask = FlushLoopAsync();
        lock (Sync)
        {
            WritePrefaceLocked();
        }

        RequestFlush();
        _readTask = RunReadLoopAsync();
        try
        {
            await _ready.Task.WaitAsync(timeout, _time, ct).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            const string reason = "no SETTINGS from the upstream within the connect timeout";
            Http2UpstreamLog.HandshakeFailed(_logger, _cluster, _endpoint, reason);
            await DisposeAsync().ConfigureAwait(false);
            throw new UpstreamConnectException(_transport.RemoteEndPoint ?? (System.Net.EndPoint)new System.Net.IPEndPoint(0, 0), isTimeout: true, $"HTTP/2 upstream {_endpoint}: {reason}", ex);
        }
        catch (UpstreamConnectException)
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException)
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Lends a stream when the connection has room (under its stream limit, not draining); the caller owns it until
    /// <see cref="Http2UpstreamStream.Release"/>.
    /// </summary>
    public bool TryReserve(out Http2UpstreamStream stream)
    {
        lock (Sync)
        {
            if (_closed || _goAwayReceived || _goAwaySent || !_settingsReceived || _reserved >= StreamLimitLocked || _nextStreamId > MaxStreamId)
            {
                stream = null!;
                return false;
            }

            stream = _free.Count > 0 ? _free.Pop() : new Http2UpstreamStream(this, _time);
            stream.Start(_peerSettings.InitialWindowSize, _streamReceiveWindow);
            Volatile.Write(ref _reserved, _reserved + 1);
            return true;
        }
    }

    // The last odd id: past it the connection can open no more streams (RFC 9113 §5.1.1) and must be replaced.
    private const int MaxStreamId = int.MaxValue - 1;

    /// <summary>Assigns the next odd stream id as its HEADERS is written (ids grow in wire order, RFC 9113 §5.1.1).</summary>
    internal bool TryOpenStreamLocked(Http2UpstreamStream stream, out int id)
    {
        id = 0;
        if (_closed || _outputFailed || _goAwayReceived || _goAwaySent || _nextStreamId > MaxStreamId)
        {
            return false;
        }

        id = _nextStreamId;
        _nextStreamId += 2;

        // The upstream's SETTINGS_INITIAL_WINDOW_SIZE may have changed since the stream was reserved.
        stream.SendWindow = new Http2FlowWindow(_peerSettings.InitialWindowSize);
        _streams[id] = stream;
        return true;
    }

    internal void ForgetStreamLocked(Http2UpstreamStream stream)
    {
        if (stream.StreamId != 0)
        {
            _streams.Remove(stream.StreamId);
        }
    }

    /// <summary>A released stream comes back: its unread response bytes are credited to the connection window.</summary>
    internal void ReturnStream(Http2UpstreamStream stream, int unread)
    {
        bool idleNow;
        lock (Sync)
        {
            if (unread > 0)
            {
                CreditConnectionLocked(unread);
            }

            Volatile.Write(ref _reserved, _reserved - 1);
            idleNow = _reserved == 0;
            if (idleNow)
            {
                _idleSince = _time.GetTimestamp();
            }

            if (_closed)
            {
                stream.DisposeTimer();
            }
            else
            {
                _free.Push(stream);
            }
        }

        RequestFlush();
        _owner?.OnStreamReturned(this);
    }

    /// <summary>The adapter consumed <paramref name="bytes"/> of a stream's body: WINDOW_UPDATEs as the credit batches fill.</summary>
    internal void CreditStream(Http2UpstreamStream stream, int bytes)
    {
        lock (Sync)
        {
            var increment = stream.ConsumeLocked(bytes);
            if (increment > 0 && !_outputFailed)
            {
                Http2FrameWriter.WriteWindowUpdate(_output, stream.StreamId, increment);
                _writtenSeq++;
            }

            CreditConnectionLocked(bytes);
        }

        RequestFlush();
    }

    private void CreditConnectionLocked(int bytes)
    {
        var increment = _connectionCredit.OnConsumed(bytes);
        if (increment > 0 && !_outputFailed)
        {
            _connectionReceiveWindow.TryGrow(increment);
            Http2FrameWriter.WriteWindowUpdate(_output, 0, increment);
            _writtenSeq++;
        }
    }

    /// <summary>
    /// Housekeeping from the pool's sweep: PING a connection that has been quiet for the ping interval, close one whose
    /// PING went unanswered for the ping timeout, one idle past <paramref name="idleTimeout"/>, and one draining past the
    /// drain timeout. True when the connection is (being) closed.
    /// </summary>
    public bool Sweep(TimeSpan idleTimeout)
    {
        var now = _time.GetTimestamp();
        string? closeReason = null;
        var graceful = false;
        lock (Sync)
        {
            if (_closed)
            {
                return true;
            }

            if (_pingSentAt != 0 && _time.GetElapsedTime(_pingSentAt, now) >= _options.PingTimeout)
            {
                Http2UpstreamLog.PingTimeout(_logger, _cluster, _endpoint, _options.PingTimeout.TotalSeconds);
                closeReason = "PING not acknowledged";
            }
            else if ((_goAwayReceived || _goAwaySent) && (_reserved == 0 || _time.GetElapsedTime(_drainingSince, now) >= _options.DrainTimeout))
            {
                closeReason = "drained";
                graceful = true;
            }
            else if (_reserved == 0 && idleTimeout > TimeSpan.Zero && _time.GetElapsedTime(_idleSince, now) >= idleTimeout)
            {
                closeReason = "idle";
                graceful = true;
            }
            else if (_pingSentAt == 0 && _options.PingInterval > TimeSpan.Zero && _time.GetElapsedTime(_lastReadAt, now) >= _options.PingInterval && !_outputFailed)
            {
                _pingSentAt = now;
                _pingPayload = (ulong)now;
                Http2FrameWriter.WritePing(_output, _pingPayload, ack: false);
                _writtenSeq++;
            }

            if (closeReason is not null)
            {
                // No stream may be lent between this decision and the close (it would only be refused).
                _closed = true;
            }
        }

        if (closeReason is null)
        {
            RequestFlush();
            return false;
        }

        _ = CloseAsync(graceful ? Http2ErrorCode.NoError : null, closeReason);
        return true;
    }

    /// <summary>GOAWAY NO_ERROR and close: open streams fail as the connection lost.</summary>
    public async ValueTask DisposeAsync()
    {
        await CloseAsync(Http2ErrorCode.NoError, "disposed").ConfigureAwait(false);
    }
}
