using System.IO.Pipelines;
using FastProxy.Core.Gate;
using FastProxy.Core.Transport;
using FastProxy.Http.Http2.HPack;
using FastProxy.Http.Semantics;

namespace FastProxy.Http.Http2.Streams;

/// <summary>
/// One request stream of an <see cref="Http2Connection"/>: the request head decoded into a pooled field list, the
/// request body pipe fed by DATA, and the response calls a handler makes (<see cref="IHttp2RequestStream"/>). Pooled:
/// rented when HEADERS opens a stream, returned when the stream is closed and its handler has ended.
/// State shared with the frame loop (stream state, windows, completion) is guarded by the connection's lock.
/// </summary>
internal sealed partial class Http2Stream : IHttp2RequestStream, IThreadPoolWorkItem, IDisposable, IHttp2BodyOwner
{
    private const byte ByteColon = (byte)':';

    private readonly Http2FieldList _head = new();
    private readonly Http2FieldList _trailers = new();
    private readonly Http2FieldList _response = new();
    private readonly Pipe _bodyPipe = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
    private readonly Http2RequestBody _body;
    private readonly Action _onHandlerCompleted;
    private CancellationTokenSource _aborted = new();
    private Http2Connection _connection = null!;
    private Http2RequestValidator _validator;
    private ValueTask _handlerTask;

    // Indices of the pseudo-headers in _head (-1: absent), where the regular fields start, and what the head told.
    private int _methodIndex;
    private int _schemeIndex;
    private int _authorityIndex;
    private int _pathIndex;
    private int _firstRegular;
    private int _pathLength;
    private int _hostLength;
    private int _headerListSize;
    private bool _headTooLarge;
    private bool _decodingTrailers;
    private Http2FieldProblem _problem;
    private string? _refusal;

    public Http2Stream()
    {
        _body = new Http2RequestBody(this);
        _onHandlerCompleted = OnHandlerCompleted;
    }

    public int StreamId { get; private set; }

    public TransportConnection Connection => _connection.Transport;

    public Http2StreamState State { get; internal set; }

    public RequestMethod Method { get; private set; }

    public ReadOnlySpan<byte> MethodBytes => _head.GetValue(_methodIndex);

    public ReadOnlySpan<byte> Scheme => _schemeIndex < 0 ? default : _head.GetValue(_schemeIndex);

    public ReadOnlySpan<byte> ForwardedAuthority => AuthorityValue;

    public ReadOnlySpan<byte> Host => AuthorityValue[.._hostLength];

    public ReadOnlySpan<byte> Path => _pathIndex < 0 ? default : _head.GetValue(_pathIndex)[.._pathLength];

    /// <summary>The query without its '?' (as <see cref="Forwarding.IForwardedRequest.Query"/> says, like HTTP/1.1's), empty when none.</summary>
    public ReadOnlySpan<byte> Query => _pathIndex < 0 || _head.GetValue(_pathIndex).Length <= _pathLength ? default : _head.GetValue(_pathIndex)[(_pathLength + 1)..];

    public bool HasBody { get; private set; }

    public long DeclaredBodyLength => _validator.ContentLength;

    public bool ExpectContinue { get; private set; }

    public int FieldCount => _head.Count - _firstRegular;

    public PipeReader RequestBody => _body;

    public int TrailerCount => _trailers.Count;

    public CancellationToken Aborted => _aborted.Token;

    /// <summary>Why the head was refused (a constant for the log line), null when it is valid.</summary>
    internal string? Refusal => _refusal;

    /// <summary>The head passed SETTINGS_MAX_HEADER_LIST_SIZE: answered 431, not handed to the handler.</summary>
    internal bool HeadTooLarge => _headTooLarge;

    internal Http2Signal Signal { get; } = new();

    private ReadOnlySpan<byte> AuthorityValue => _authorityIndex >= 0 ? _head.GetValue(_authorityIndex) : default;

    public bool TryGetFirst(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) => _head.TryGetFirst(_firstRegular, name, out value);

    public int Count(ReadOnlySpan<byte> name) => _head.CountNamed(_firstRegular, name);

    public void GetField(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = _head.GetName(_firstRegular + index);
        value = _head.GetValue(_firstRegular + index);
    }

    public void GetTrailer(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = _trailers.GetName(index);
        value = _trailers.GetValue(index);
    }

    /// <summary>The pool dropped this stream (it was full): its token source goes too.</summary>
    public void Dispose() => _aborted.Dispose();

    internal Http2FieldList ResponseFields => _response;

    /// <summary>Binds a pooled stream to <paramref name="connection"/> for a new stream id.</summary>
    internal void Start(Http2Connection connection, int streamId, int sendWindow, int receiveWindow)
    {
        _connection = connection;
        StreamId = streamId;
        State = Http2StreamState.Open;
        _validator = new Http2RequestValidator();
        _methodIndex = -1;
        _schemeIndex = -1;
        _authorityIndex = -1;
        _pathIndex = -1;
        _firstRegular = 0;
        _pathLength = 0;
        _hostLength = 0;
        _headerListSize = 0;
        _headTooLarge = false;
        _decodingTrailers = false;
        _problem = Http2FieldProblem.None;
        _refusal = null;
        Method = RequestMethod.Other;
        HasBody = false;
        ExpectContinue = false;
        _body.Start(_bodyPipe.Reader);
        StartFlow(sendWindow, receiveWindow);
        StartResponse();
    }

    /// <summary>Returns what the stream holds (for the pool): fields cleared, pipe reset, token renewed when it fired.</summary>
    internal void Release()
    {
        _head.Clear();
        _trailers.Clear();
        _response.Clear();
        _bodyPipe.Writer.Complete();
        _bodyPipe.Reader.Complete();
        _bodyPipe.Reset();
        if (!_aborted.TryReset())
        {
            _aborted.Dispose();
            _aborted = new CancellationTokenSource();
        }

        Signal.Clear();
        _handlerTask = default;
        _connection = null!;
    }

    /// <summary>Prepares to decode a trailer section (a second HEADERS, RFC 9113 §8.1).</summary>
    internal void BeginTrailers()
    {
        _decodingTrailers = true;
        _validator.BeginTrailers();
        _headerListSize = 0;
        _problem = Http2FieldProblem.None;
        _refusal = null;
    }

    /// <summary>One decoded field of the head or the trailers (from the HPACK decoder's callback).</summary>
    internal void OnField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (_problem != Http2FieldProblem.None || _headTooLarge)
        {
            // Already refused: keep the decoder going (its table must stay in step) but store nothing more.
            return;
        }

        // RFC 9113 §6.5.2 counts name + value + 32 per field against SETTINGS_MAX_HEADER_LIST_SIZE.
        _headerListSize += name.Length + value.Length + 32;
        if (_headerListSize > _connection.Options.MaxHeaderListSize)
        {
            _headTooLarge = true;
            return;
        }

        _problem = _validator.Check(name, value);
        if (_problem != Http2FieldProblem.None)
        {
            return;
        }

        if (_decodingTrailers)
        {
            _trailers.Add(name, value);
            return;
        }

        var index = _head.Add(name, value);
        if (name.Length > 0 && name[0] == ByteColon)
        {
            _firstRegular = index + 1;
            switch (name.Length)
            {
                case 5 when name.SequenceEqual(":path"u8):
                    _pathIndex = index;
                    break;
                case 7 when name.SequenceEqual(":method"u8):
                    _methodIndex = index;
                    break;
                case 7 when name.SequenceEqual(":scheme"u8):
                    _schemeIndex = index;
                    break;
                default:
                    _authorityIndex = index;
                    break;
            }
        }
    }

    /// <summary>
    /// Checks the whole head once decoded (RFC 9113 §8.3, and the request-target rules HTTP/1.1 applies). False with
    /// <see cref="Refusal"/> set when the request is malformed: a stream error of type PROTOCOL_ERROR.
    /// </summary>
    internal bool CompleteHead(bool endStream)
    {
        if (_headTooLarge)
        {
            return false;
        }

        if (_problem == Http2FieldProblem.None)
        {
            _problem = _validator.Complete();
        }

        if (_problem != Http2FieldProblem.None)
        {
            _refusal = DescribeProblem(_problem);
            return false;
        }

        Method = RequestMethods.Parse(MethodBytes);
        if (Method == RequestMethod.Connect)
        {
            // The proxy refuses CONNECT on every protocol (DESIGN.md, who owns the wire): no tunnels.
            _refusal = "CONNECT is not supported";
            return false;
        }

        // :path through the same origin-form and path-hygiene checks as an HTTP/1.1 request-target.
        var path = _head.GetValue(_pathIndex);
        if (path.SequenceEqual("*"u8))
        {
            _pathLength = path.Length;
        }
        else if (RequestTarget.CheckOriginForm(path, out _pathLength) != PathProblem.None)
        {
            _refusal = "invalid :path";
            return false;
        }

        if (!CheckAuthority())
        {
            return false;
        }

        HasBody = !endStream;
        ExpectContinue = HasBody && TryGetFirst("expect"u8, out var expect) && expect.SequenceEqual("100-continue"u8);

        // RFC 9113 §8.1.1: a content-length that END_STREAM already contradicts is malformed.
        if (endStream && _validator.ContentLength > 0)
        {
            _refusal = "content-length with no body";
            return false;
        }

        return true;
    }

    /// <summary>Checks the trailer section once decoded. False with <see cref="Refusal"/> set when malformed.</summary>
    internal bool CompleteTrailers()
    {
        if (_headTooLarge)
        {
            _refusal = "trailers larger than SETTINGS_MAX_HEADER_LIST_SIZE";
            return false;
        }

        if (_problem != Http2FieldProblem.None)
        {
            _refusal = DescribeProblem(_problem);
            return false;
        }

        return true;
    }

    /// <summary>Runs the handler on the thread pool (the frame loop must not wait on it).</summary>
    internal void Dispatch() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    void IThreadPoolWorkItem.Execute()
    {
        try
        {
            // Kept in a field so its completion can be observed without a closure; consumed exactly once, in OnHandlerCompleted.
#pragma warning disable CA2012
            _handlerTask = _connection.Handler.HandleAsync(this);
#pragma warning restore CA2012
        }
        catch (Exception ex)
        {
#pragma warning disable CA2012
            _handlerTask = ValueTask.FromException(ex);
#pragma warning restore CA2012
        }

        if (_handlerTask.IsCompleted)
        {
            OnHandlerCompleted();
        }
        else
        {
            _handlerTask.GetAwaiter().UnsafeOnCompleted(_onHandlerCompleted);
        }
    }

    private void OnHandlerCompleted()
    {
        Exception? failure = null;
        try
        {
            _handlerTask.GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        _handlerTask = default;
        _connection.OnHandlerCompleted(this, failure);
    }

    /// <summary>
    /// :authority through the shared authority check, falling back to a Host field when absent (RFC 9113 §8.3.1); a
    /// Host field that disagrees with :authority, or more than one Host, is refused (the gate must see one host).
    /// </summary>
    private bool CheckAuthority()
    {
        var hostFields = Count("host"u8);
        if (hostFields > 1)
        {
            _refusal = "more than one host field";
            return false;
        }

        TryGetFirst("host"u8, out var host);
        if (_authorityIndex < 0)
        {
            if (hostFields == 0)
            {
                _refusal = "no :authority and no host";
                return false;
            }

            // Use the Host field as the authority: point the pseudo index at it.
            for (var i = _firstRegular; i < _head.Count; i++)
            {
                if (_head.GetName(i).SequenceEqual("host"u8))
                {
                    _authorityIndex = i;
                    break;
                }
            }
        }
        else if (hostFields == 1 && !System.Text.Ascii.EqualsIgnoreCase(host, AuthorityValue))
        {
            _refusal = "host field disagrees with :authority";
            return false;
        }

        if (!RequestTarget.TryValidateAuthority(AuthorityValue, requirePort: false, out _hostLength))
        {
            _refusal = "invalid :authority";
            return false;
        }

        return true;
    }

    private static string DescribeProblem(Http2FieldProblem problem) => problem switch
    {
        Http2FieldProblem.InvalidName => "invalid field name",
        Http2FieldProblem.InvalidValue => "invalid field value",
        Http2FieldProblem.ConnectionSpecificField => "connection-specific field",
        Http2FieldProblem.TeNotTrailers => "te other than trailers",
        Http2FieldProblem.UnknownPseudoHeader => "unknown pseudo-header",
        Http2FieldProblem.PseudoHeaderAfterRegular => "pseudo-header after a regular field",
        Http2FieldProblem.DuplicatePseudoHeader => "duplicate pseudo-header",
        Http2FieldProblem.PseudoHeaderInTrailers => "pseudo-header in trailers",
        Http2FieldProblem.MissingPseudoHeader => "missing pseudo-header",
        Http2FieldProblem.InvalidPath => "invalid :path",
        Http2FieldProblem.ConnectWithSchemeOrPath => "CONNECT with :scheme or :path",
        Http2FieldProblem.InvalidContentLength => "invalid content-length",
        _ => "malformed field section",
    };

    /// <summary>Hands decoded fields to the stream (a struct, so the decoder calls it without boxing).</summary>
    internal readonly struct FieldSink(Http2Stream stream) : IHeaderHandler
    {
        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => stream.OnField(name, value);
    }
}
