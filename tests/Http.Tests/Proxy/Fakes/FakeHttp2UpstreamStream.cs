using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.Client;
using FastProxy.Http.Http2.Streams;

namespace FastProxy.Http.Tests.Proxy.Fakes;

/// <summary>
/// An upstream HTTP/2 stream driven by a test: it records the request head, DATA and trailers the adapter sends, and
/// answers with what the test scripts (a head or a refusal, body pieces, trailers, a reset). Writes can be held
/// (<see cref="HoldData"/>) as an upstream whose window is closed; deadlines are real timers.
/// </summary>
internal sealed class FakeHttp2UpstreamStream : IHttp2UpstreamStream
{
    private readonly Lock _lock = new();
    private readonly List<(byte[] Name, byte[] Value)> _responseFields = [];
    private readonly List<(byte[] Name, byte[] Value)> _responseTrailers = [];
    private readonly Pipe _responseBody = new();
    private readonly MemoryStream _requestData = new();
    private readonly TaskCompletionSource<Http2UpstreamHeadOutcome> _head = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _requestEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _dataOffered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _accept = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Timer? _deadline;
    private bool _headSent;

    public FakeHttp2UpstreamStream()
    {
        _accept.SetResult();
    }

    // --- what the adapter did ------------------------------------------------------------------------------------

    public List<(string Name, string Value)> RequestHead { get; } = [];

    public List<(string Name, string Value)> RequestTrailers { get; } = [];

    public bool HeadEndedStream { get; private set; }

    public List<Http2ErrorCode> Resets { get; } = [];

    public List<TimeSpan> Deadlines { get; } = [];

    public int Releases { get; private set; }

    public string RequestText
    {
        get
        {
            lock (_lock)
            {
                return Encoding.Latin1.GetString(_requestData.ToArray());
            }
        }
    }

    public Task RequestEnded => _requestEnded.Task;

    public Task Released => _released.Task;

    /// <summary>Completes when the adapter first offers request DATA (taken or held).</summary>
    public Task DataOffered => _dataOffered.Task;

    /// <summary>What <see cref="SendRequestHeadAsync"/> reports (false: the connection went away first).</summary>
    public bool HeadSendSucceeds { get; set; } = true;

    public string? Header(string name) => RequestHead.Where(f => string.Equals(f.Name, name, StringComparison.Ordinal)).Select(f => f.Value).FirstOrDefault();

    /// <summary>Every value of request head field <paramref name="name"/>, in order, comma-joined.</summary>
    public string Values(string name) => string.Join(',', RequestHead.Where(f => string.Equals(f.Name, name, StringComparison.Ordinal)).Select(f => f.Value));

    // --- test controls --------------------------------------------------------------------------------------------

    /// <summary>From now on request DATA is not taken (a closed flow-control window) until <see cref="TakeData"/>.</summary>
    public void HoldData() => _accept = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void TakeData() => _accept.TrySetResult();

    public void Respond(int status, IEnumerable<(string Name, string Value)>? fields = null, bool endStream = false)
    {
        Status = status;
        foreach (var (name, value) in fields ?? [])
        {
            _responseFields.Add((Encoding.ASCII.GetBytes(name), Encoding.Latin1.GetBytes(value)));
        }

        ResponseEndedWithHead = endStream;
        if (endStream)
        {
            _responseBody.Writer.Complete();
        }

        _head.TrySetResult(Http2UpstreamHeadOutcome.Complete);
    }

    public void Fail(Http2UpstreamHeadOutcome outcome, Http2ErrorCode? code = null)
    {
        ResetCode = code;
        End();
        _head.TrySetResult(outcome);
    }

    public async Task SendBodyAsync(string text) => await _responseBody.Writer.WriteAsync(Encoding.Latin1.GetBytes(text));

    public async Task EndBodyAsync(params (string Name, string Value)[] trailers)
    {
        foreach (var (name, value) in trailers)
        {
            _responseTrailers.Add((Encoding.ASCII.GetBytes(name), Encoding.Latin1.GetBytes(value)));
        }

        await _responseBody.Writer.CompleteAsync();
    }

    /// <summary>The upstream resets the stream after its head.</summary>
    public void ResetByUpstream(Http2ErrorCode code)
    {
        ResetCode = code;
        End();
        _responseBody.Writer.Complete(new Http2StreamAbortedException(code, "reset by the upstream"));
    }

    // --- IHttp2UpstreamStream ------------------------------------------------------------------------------------

    public int StreamId { get; private set; }

    /// <summary>The upstream connection's scheme (plain text unless a test says otherwise).</summary>
    public bool Secure { get; set; }

    public ReadOnlySpan<byte> Scheme => Secure ? "https"u8 : "http"u8;

    public bool DeadlineExpired { get; private set; }

    public int Status { get; private set; }

    public int ResponseFieldCount => _responseFields.Count;

    public bool ResponseEndedWithHead { get; private set; }

    public PipeReader ResponseBody => _responseBody.Reader;

    public int ResponseTrailerCount => _responseTrailers.Count;

    public Http2ErrorCode? ResetCode { get; private set; }

    public void AddRequestField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        Assert.True(name.SequenceEqual(Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(name).ToLowerInvariant())), $"uppercase name {Encoding.ASCII.GetString(name)}");
        (_headSent ? RequestTrailers : RequestHead).Add((Encoding.ASCII.GetString(name), Encoding.Latin1.GetString(value)));
    }

    // Nothing is sent anywhere: holding the head is sending it.
    public bool HoldRequestHead() => SendHead(endStream: false);

    public ValueTask<bool> FlushAsync() => ValueTask.FromResult(_headSent);

    public ValueTask<bool> SendRequestHeadAsync(bool endStream) => ValueTask.FromResult(SendHead(endStream));

    private bool SendHead(bool endStream)
    {
        Assert.False(_headSent, "head sent twice");
        _headSent = true;
        HeadEndedStream = endStream;
        if (!HeadSendSucceeds)
        {
            End();
            return false;
        }

        StreamId = 1;
        if (endStream)
        {
            _requestEnded.TrySetResult();
        }

        return true;
    }

    public async ValueTask<bool> WriteRequestDataAsync(ReadOnlySequence<byte> data, bool endStream, CancellationToken ct)
    {
        Assert.True(_headSent);
        _dataOffered.TrySetResult();
        try
        {
            await Task.WhenAny(_accept.Task, _ended.Task).WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        if (_ended.Task.IsCompleted)
        {
            return false;
        }

        lock (_lock)
        {
            foreach (var segment in data)
            {
                _requestData.Write(segment.Span);
            }
        }

        if (endStream)
        {
            _requestEnded.TrySetResult();
        }

        return true;
    }

    public ValueTask<bool> CompleteRequestAsync()
    {
        if (_ended.Task.IsCompleted)
        {
            return ValueTask.FromResult(false);
        }

        _requestEnded.TrySetResult();
        return ValueTask.FromResult(true);
    }

    public void SetDeadline(TimeSpan timeout)
    {
        lock (_lock)
        {
            Deadlines.Add(timeout);
            _deadline?.Dispose();
            _deadline = timeout == Timeout.InfiniteTimeSpan ? null : new Timer(_ => Expire(), null, timeout, Timeout.InfiniteTimeSpan);
        }
    }

    public async ValueTask<Http2UpstreamHeadOutcome> ReadResponseHeadAsync(CancellationToken ct)
    {
        try
        {
            return await _head.Task.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            Reset(Http2ErrorCode.Cancel);
            throw;
        }
    }

    public void GetResponseField(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = _responseFields[index].Name;
        value = _responseFields[index].Value;
    }

    public void GetResponseTrailer(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = _responseTrailers[index].Name;
        value = _responseTrailers[index].Value;
    }

    public void Reset(Http2ErrorCode code)
    {
        lock (_lock)
        {
            Resets.Add(code);
        }

        End();
        _head.TrySetResult(Http2UpstreamHeadOutcome.Reset);
        _responseBody.Writer.Complete(new Http2StreamAbortedException(code, "reset by the proxy"));
    }

    public void Release()
    {
        Releases++;
        lock (_lock)
        {
            _deadline?.Dispose();
            _deadline = null;
        }

        _released.TrySetResult();
    }

    private void Expire()
    {
        DeadlineExpired = true;
        lock (_lock)
        {
            Resets.Add(Http2ErrorCode.Cancel);
        }

        End();
        _head.TrySetResult(Http2UpstreamHeadOutcome.TimedOut);
        _responseBody.Writer.Complete(new Http2StreamAbortedException(Http2ErrorCode.Cancel, "deadline"));
    }

    private void End() => _ended.TrySetResult();
}
