using System.Buffers;

namespace FastProxy.Http.Http2;

/// <summary>Connection-level frames (SETTINGS, WINDOW_UPDATE) and the flood budgets (RFC 9113 §10.5).</summary>
internal sealed partial class Http2Connection
{
    // Below this a WINDOW_UPDATE counts against the flood budget even after DATA: real clients credit in kilobytes.
    private const int MinUsefulWindowIncrement = 1024;

    private bool _settingsReceived;

    // When our SETTINGS went out unacknowledged (heartbeat-clock timestamp); 0 once the client acknowledged them.
    private long _settingsSentAt;

    // The largest the client's connection window has been: updates up to it give back credit our DATA used.
    private int _connectionSendWindowHigh = Http2Settings.DefaultInitialWindowSize;
    private long _floodWindowStartedAt;
    private int _controlFrames;
    private int _resets;

    private Http2FrameError ProcessSettingsLocked(in Http2Frame frame)
    {
        var budget = CountControlFrameLocked(0);
        if (budget.Reason is not null)
        {
            return budget;
        }

        if (frame.IsAck)
        {
            _settingsSentAt = 0;
            return default;
        }

        _settingsReceived = true;
        var reader = new SequenceReader<byte>(frame.Payload);
        while (reader.TryReadBigEndian(out short rawIdentifier) && reader.TryReadBigEndian(out int rawValue))
        {
            var identifier = (ushort)rawIdentifier;
            var value = (uint)rawValue;
            switch ((Http2SettingsParameter)identifier)
            {
                case Http2SettingsParameter.HeaderTableSize:
                    // RFC 7541 §4.2: our encoder's table follows the peer's decoder; we never use more than the default 4 KiB.
                    _encoder.SetMaxTableSize((int)Math.Min(value, Http2Settings.DefaultHeaderTableSize));
                    break;
                case Http2SettingsParameter.InitialWindowSize:
                {
                    // RFC 9113 §6.9.2: the change applies to every open stream's send window, and "MUST" be a
                    // FLOW_CONTROL_ERROR when that takes a window past 2^31-1.
                    var delta = (int)value - _peerSettings.InitialWindowSize;
                    foreach (var stream in _streams.Values)
                    {
                        if (!stream.SendWindow.TryAdjust(delta))
                        {
                            return Http2FrameError.Connection(Http2ErrorCode.FlowControlError, 0, "SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window");
                        }

                        stream.Signal.Set();
                    }

                    break;
                }

                default:
                    break;
            }

            _peerSettings.Apply(identifier, value);
        }

        // RFC 9113 §6.5.3: "Upon receiving a SETTINGS frame with the ACK flag unset, the recipient MUST apply the updated
        // settings as soon as possible upon receipt" and send an ACK.
        if (!_outputFailed)
        {
            Http2FrameWriter.WriteSettingsAck(_output);
            _writtenSeq++;
        }

        return default;
    }

    private Http2FrameError ProcessWindowUpdateLocked(in Http2Frame frame)
    {
        var id = frame.StreamId;
        if (id == 0)
        {
            // A WINDOW_UPDATE that gives back credit our DATA used is progress (a fast download sends thousands); one
            // that only inflates the window, or moves it by a few bytes, costs work for nothing: the flood budget counts those.
            var useful = IsRestoringCredit(_connectionSendWindow.Available, frame.WindowIncrement, _connectionSendWindowHigh);
            var budget = useful ? default : CountControlFrameLocked(0);
            if (budget.Reason is not null)
            {
                return budget;
            }

            // RFC 9113 §6.9.1: past 2^31-1 on the connection window is a connection error of type FLOW_CONTROL_ERROR.
            if (!_connectionSendWindow.TryGrow(frame.WindowIncrement))
            {
                return Http2FrameError.Connection(Http2ErrorCode.FlowControlError, 0, "connection window past 2^31-1");
            }

            _connectionSendWindowHigh = Math.Max(_connectionSendWindowHigh, _connectionSendWindow.Available);

            foreach (var stream in _streams.Values)
            {
                if (stream.WindowWaitSince != 0)
                {
                    stream.Signal.Set();
                }
            }

            return default;
        }

        if (!_streams.TryGetValue(id, out var target))
        {
            // RFC 9113 §5.1: WINDOW_UPDATE on an idle stream is a connection error; on a closed one it is ignored (and counted).
            return id > _lastStreamId
                ? Http2FrameError.Connection(Http2ErrorCode.ProtocolError, id, "WINDOW_UPDATE on an idle stream")
                : CountControlFrameLocked(id);
        }

        var usefulForStream = IsRestoringCredit(target.SendWindow.Available, frame.WindowIncrement, _peerSettings.InitialWindowSize);
        var streamBudget = usefulForStream ? default : CountControlFrameLocked(id);
        if (streamBudget.Reason is not null)
        {
            return streamBudget;
        }

        if (!target.SendWindow.TryGrow(frame.WindowIncrement))
        {
            // RFC 9113 §6.9.1: on a stream window, a stream error of type FLOW_CONTROL_ERROR.
            ResetStreamLocked(target, Http2ErrorCode.FlowControlError, "stream window past 2^31-1");
            return default;
        }

        target.Signal.Set();
        return default;
    }

    /// <summary>
    /// Counts a frame that costs work but carries no request forward (SETTINGS, PING, PRIORITY, WINDOW_UPDATE, empty
    /// DATA, frames on closed streams, unknown frames, refused streams): past the budget, ENHANCE_YOUR_CALM
    /// (RFC 9113 §10.5: "An endpoint MAY treat activity that is suspicious as a connection error ... ENHANCE_YOUR_CALM").
    /// </summary>
    private Http2FrameError CountControlFrameLocked(int streamId)
    {
        RollFloodWindowLocked();
        if (++_controlFrames > _options.MaxControlFramesPerWindow)
        {
            return Http2FrameError.Connection(Http2ErrorCode.EnhanceYourCalm, streamId, "control frame flood");
        }

        return default;
    }

    /// <summary>A WINDOW_UPDATE that refills (not inflates) a window our DATA drained, by a real amount.</summary>
    private static bool IsRestoringCredit(int available, int increment, int high) =>
        increment >= MinUsefulWindowIncrement && (long)available + increment <= high;

    /// <summary>Counts a client reset of a stream whose response was not done (rapid reset, CVE-2023-44487).</summary>
    private Http2FrameError CountResetLocked(int streamId)
    {
        RollFloodWindowLocked();
        if (++_resets > _options.MaxResetsPerWindow)
        {
            return Http2FrameError.Connection(Http2ErrorCode.EnhanceYourCalm, streamId, "rapid reset: too many streams reset by the client");
        }

        return default;
    }

    private void RollFloodWindowLocked()
    {
        var now = Now;
        if (_floodWindowStartedAt == 0 || _time.GetElapsedTime(_floodWindowStartedAt, now) > _options.FloodWindow)
        {
            _floodWindowStartedAt = now;
            _controlFrames = 0;
            _resets = 0;
        }
    }
}
