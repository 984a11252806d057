using System.Buffers;
using System.IO.Pipelines;
using FastProxy.Core.Transport;
using FastProxy.Http.Http2.HPack;
using FastProxy.Http.Http2.Streams;
using Microsoft.Extensions.Logging;

namespace FastProxy.Http.Http2;

/// <summary>
/// One HTTP/2 server connection (RFC 9113): the client preface and SETTINGS exchange, then a frame loop that reads
/// frames, keeps the stream state machine and flow control, decodes request heads into pooled
/// <see cref="Http2Stream"/>s and hands each complete, valid head to the <see cref="IHttp2StreamHandler"/>. Streams
/// write their responses concurrently; one lock (<see cref="Sync"/>) orders frames, HPACK encoding and window
/// accounting, and a single flusher task sends what was written (see Http2Connection.Output.cs).
/// A stream error resets one stream and the loop reads on; a connection error sends GOAWAY and ends the loop.
/// </summary>
internal sealed partial class Http2Connection : IDisposable
{
    private readonly TransportConnection _transport;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Http2ConnectionOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationToken _shuttingDown;
    private readonly TimeProvider _time;
    private readonly Http2FrameReader _reader = new();
    private readonly HPackDecoder _decoder;
    private readonly HPackEncoder _encoder = new();
    private readonly Http2FieldBlockBuffer _fieldBlock = new();
    private readonly Dictionary<int, Http2Stream> _streams = [];
    private Http2Settings _peerSettings = new();
    private Http2FlowWindow _connectionSendWindow = new(Http2Settings.DefaultInitialWindowSize);
    private Http2FlowWindow _connectionReceiveWindow;
    private Http2ReceiveCredit _connectionCredit;
    private readonly int _streamReceiveWindow;

    // Highest client stream id opened (RFC 9113 §5.1.1: new ids must grow); GOAWAY's last-stream-id.
    private int _lastStreamId;
    private bool _prefaceReceived;
    private bool _firstHeadReceived;
    private bool _peerGoAway;
    private bool _goAwaySent;
    private long _drainStartedAt;
    private long _startedAt;
    private long _idleSince;
    private int _drainRequested;

    public Http2Connection(TransportConnection transport, IHttp2StreamHandler handler, Http2ConnectionOptions options, ILogger logger, CancellationToken shuttingDown)
    {
        _transport = transport;
        _input = transport.Input;
        _output = transport.Output;
        Handler = handler;
        _options = options;
        _logger = logger;
        _shuttingDown = shuttingDown;
        _time = options.Time;
        _reader.MaxFieldBlockSize = options.MaxFieldBlockSize;

        // The decoder's own hard bound is twice what we advertise: a head between the two is decoded (so the HPACK
        // table stays in step) and refused on its stream with 431; past the hard bound decoding stops, a connection error.
        _decoder = new HPackDecoder(options.HeaderTableSize, 2 * options.MaxHeaderListSize);

        // Before the client ACKs our SETTINGS it may still use the protocol's 65,535 (RFC 9113 §6.9.2), so we account
        // with whichever is larger.
        _streamReceiveWindow = Math.Max(options.InitialStreamWindowSize, Http2Settings.DefaultInitialWindowSize);
        _connectionReceiveWindow = new Http2FlowWindow(Math.Max(options.ConnectionWindowSize, Http2Settings.DefaultInitialWindowSize));
        _connectionCredit = new Http2ReceiveCredit(Math.Max(options.ConnectionWindowSize, Http2Settings.DefaultInitialWindowSize));
        StartRequestRate();
    }

    internal Lock Sync { get; } = new();

    internal TransportConnection Transport => _transport;

    internal IHttp2StreamHandler Handler { get; }

    internal Http2ConnectionOptions Options => _options;

    internal long Now => _time.GetTimestamp();

    private long ConnectionId => _transport.Id;

    public async Task RunAsync()
    {
        _startedAt = Now;
        _idleSince = _startedAt;
        _flushTask = FlushLoopAsync();
        await using var timer = _time.CreateTimer(static state => ((Http2Connection)state!).OnTimer(), this, _options.TimerInterval, _options.TimerInterval);
        await using var drain = _shuttingDown.UnsafeRegister(static state => ((Http2Connection)state!).RequestDrain(), this);
        var abort = false;
        try
        {
            // RFC 9113 §3.4: "the server connection preface ... MUST be the first frame the server sends".
            lock (Sync)
            {
                WriteSettingsLocked();
            }

            RequestFlush();
            abort = !await ReadLoopAsync();
        }
        catch (IOException ex)
        {
            Http2Log.ConnectionLost(_logger, ConnectionId, ex.Message);
            abort = true;
        }
        catch (Exception ex)
        {
            // A bug in one connection never takes the process down (DESIGN.md, failure stance).
            Http2Log.Unexpected(_logger, ConnectionId, ex);
            abort = true;
        }
        finally
        {
            await CloseAsync(abort);
        }
    }

    /// <summary>Returns the connection's pooled buffers (HPACK tables, field block); the close calls it.</summary>
    public void Dispose()
    {
        _fieldBlock.Dispose();
        _decoder.Dispose();
        _encoder.Dispose();
    }

    /// <summary>Asks for a graceful drain (the listener is shutting down or reloading): GOAWAY NO_ERROR, finish open streams, close.</summary>
    public void RequestDrain()
    {
        Interlocked.Exchange(ref _drainRequested, 1);
        _input.CancelPendingRead();
    }

    /// <summary>Reads and processes frames until the connection should end; false when it must be aborted rather than closed.</summary>
    private async ValueTask<bool> ReadLoopAsync()
    {
        while (true)
        {
            bool idle;
            lock (Sync)
            {
                idle = _streams.Count == 0;
            }

            ReadResult result;
            _transport.SetAwaitingRequest(idle && _prefaceReceived);
            try
            {
                result = await _input.ReadAsync(CancellationToken.None);
            }
            catch (IOException ex)
            {
                Http2Log.ConnectionLost(_logger, ConnectionId, ex.Message);
                return false;
            }
            finally
            {
                _transport.SetAwaitingRequest(false);
            }

            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var step = LoopStep.Continue;
            Http2FrameError error = default;
            if (!_prefaceReceived)
            {
                step = ReadPreface(ref buffer, ref consumed);
            }

            while (step == LoopStep.Continue && _prefaceReceived)
            {
                var status = _reader.TryRead(buffer, out var frame, out var frameEnd, out error);
                if (status == Http2ReadStatus.Incomplete)
                {
                    break;
                }

                error = status == Http2ReadStatus.Error ? OnFrameError(frame, error) : ProcessFrame(frame);
                if (error.Reason is not null)
                {
                    step = LoopStep.ConnectionError;
                    break;
                }

                consumed = frameEnd;
                buffer = buffer.Slice(frameEnd);
            }

            _input.AdvanceTo(consumed, buffer.End);
            RequestFlush();
            if (step == LoopStep.Continue && result.IsCanceled)
            {
                step = OnWakeUp(out error);
            }

            switch (step)
            {
                case LoopStep.ConnectionError:
                    await FailConnectionAsync(error);
                    return true;
                case LoopStep.Close:
                    return true;
                case LoopStep.Abort:
                    return false;
                default:
                    break;
            }

            if (result.IsCompleted)
            {
                // The client closed its side: nothing more can arrive, so open streams cannot complete their requests.
                Http2Log.ConnectionLost(_logger, ConnectionId, "the client closed its side");
                return !HasOpenStreams();
            }

            if (ShouldCloseAfterGoAway())
            {
                return true;
            }
        }
    }

    private LoopStep ReadPreface(ref ReadOnlySequence<byte> buffer, ref SequencePosition consumed)
    {
        var status = Http2Preface.TryRead(buffer, out var end);
        if (status == Http2ReadStatus.Incomplete)
        {
            return LoopStep.Continue;
        }

        if (status == Http2ReadStatus.Error)
        {
            // RFC 9113 §3.4: an invalid preface "MUST be treated as a connection error ... PROTOCOL_ERROR".
            Http2Log.BadPreface(_logger, ConnectionId, _transport.RemoteAddress?.ToString());
            lock (Sync)
            {
                WriteGoAwayLocked(Http2ErrorCode.ProtocolError);
            }

            return LoopStep.Close;
        }

        _prefaceReceived = true;
        consumed = end;
        buffer = buffer.Slice(end);
        return LoopStep.Continue;
    }

    private Http2FrameError ProcessFrame(in Http2Frame frame)
    {
        lock (Sync)
        {
            // RFC 9113 §3.4: the preface's SETTINGS must be the client's first frame.
            if (!_settingsReceived && frame.Type != Http2FrameType.Settings)
            {
                return Http2FrameError.Connection(Http2ErrorCode.ProtocolError, frame.StreamId, "first frame after the preface is not SETTINGS");
            }

            return frame.Type switch
            {
                Http2FrameType.Data => ProcessDataLocked(frame),
                Http2FrameType.Headers => ProcessHeadersLocked(frame, default),
                Http2FrameType.Continuation => ProcessContinuationLocked(frame),
                Http2FrameType.Priority => CountControlFrameLocked(frame.StreamId),
                Http2FrameType.RstStream => ProcessRstStreamLocked(frame),
                Http2FrameType.Settings => ProcessSettingsLocked(frame),
                Http2FrameType.Ping => ProcessPingLocked(frame),
                Http2FrameType.GoAway => ProcessGoAwayLocked(frame),
                Http2FrameType.WindowUpdate => ProcessWindowUpdateLocked(frame),

                // RFC 9113 §4.1: unknown frame types "MUST" be ignored; they still count against the flood budget.
                _ => CountControlFrameLocked(frame.StreamId),
            };
        }
    }

    /// <summary>A frame the reader refused: a connection error ends the loop; a stream error resets its stream.</summary>
    private Http2FrameError OnFrameError(in Http2Frame frame, Http2FrameError error)
    {
        if (error.IsConnectionError)
        {
            return error;
        }

        lock (Sync)
        {
            // A HEADERS with a stream error still carries a field block that must be decoded (HPACK state, §4.3).
            if (frame.Type == Http2FrameType.Headers)
            {
                return ProcessHeadersLocked(frame, error);
            }

            // RFC 9113 §5.1: a frame on an idle stream (other than HEADERS and PRIORITY) is a connection error.
            // PRIORITY may name an idle stream (§5.1), so its stream errors (self-dependency, §5.3.1) are answered there too.
            if (error.StreamId > _lastStreamId && frame.Type != Http2FrameType.Priority)
            {
                return Http2FrameError.Connection(Http2ErrorCode.ProtocolError, error.StreamId, "frame on an idle stream");
            }

            if (frame.Type == Http2FrameType.Data)
            {
                // Whatever happens to the stream, the DATA counted against the connection window.
                var connectionError = ReceiveConnectionDataLocked(frame.Header.Length);
                if (connectionError.Reason is not null)
                {
                    return connectionError;
                }

                ReturnConnectionCreditLocked(frame.Header.Length);
            }

            ResetStreamLocked(error.StreamId, error.Code, error.Reason);
            return CountControlFrameLocked(error.StreamId);
        }
    }

    private Http2FrameError ProcessPingLocked(in Http2Frame frame)
    {
        var budget = CountControlFrameLocked(0);
        if (budget.Reason is not null || frame.IsAck)
        {
            return budget;
        }

        // RFC 9113 §6.7: "Receivers of a PING frame that does not include an ACK flag MUST send a PING frame with the
        // ACK flag set in response, with an identical frame payload."
        if (!_outputFailed)
        {
            Http2FrameWriter.WritePing(_output, frame.PingData, ack: true);
            _writtenSeq++;
        }

        return default;
    }

    private Http2FrameError ProcessGoAwayLocked(in Http2Frame frame)
    {
        // RFC 9113 §6.8: the client will open no more streams; the ones it opened run to completion.
        _peerGoAway = true;
        Http2Log.PeerGoAway(_logger, ConnectionId, frame.ErrorCode, frame.LastStreamId);
        return default;
    }

    private bool HasOpenStreams()
    {
        lock (Sync)
        {
            return _streams.Count > 0;
        }
    }

    private bool ShouldCloseAfterGoAway()
    {
        lock (Sync)
        {
            return (_goAwaySent || _peerGoAway) && _streams.Count == 0;
        }
    }

    private enum LoopStep : byte
    {
        Continue,
        ConnectionError,
        Close,
        Abort,
    }
}
