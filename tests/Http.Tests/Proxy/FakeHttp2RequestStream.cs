using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Core.Transport;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.Streams;
using FastProxy.Tests.Common;

namespace FastProxy.Http.Tests.Proxy;

/// <summary>
/// An HTTP/2 request stream as the connection would hand it to a handler, without the connection: the head is given
/// (already "validated"), the body is a pipe the test writes, and every response call is recorded: the head with its
/// fields, DATA bytes, trailers, interim 100s and resets. <see cref="Done"/> completes when the response ended either way.
/// </summary>
internal sealed class FakeHttp2RequestStream : IHttp2RequestStream, IDisposable
{
    private readonly byte[] _method;
    private readonly byte[] _authority;
    private readonly byte[] _host;
    private readonly byte[] _path;
    private readonly byte[] _query;
    private readonly byte[] _scheme;
    private readonly List<(byte[] Name, byte[] Value)> _fields;
    private readonly List<(byte[] Name, byte[] Value)> _trailers = [];
    private readonly Pipe _body;
    private readonly CancellationTokenSource _aborted = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _headWritten = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MemoryStream _data = new();
    private readonly Lock _lock = new();

    public FakeHttp2RequestStream(
        string method,
        string pathAndQuery,
        IEnumerable<(string Name, string Value)>? fields = null,
        bool hasBody = false,
        long declaredLength = -1,
        string authority = "api.test",
        string scheme = "https",
        TransportConnection? connection = null,
        bool expectContinue = false,
        long bodyPauseThreshold = 0)
    {
        // A pause threshold stands for the client's flow-control window: its writes stall while the proxy consumes nothing.
        _body = bodyPauseThreshold > 0 ? new Pipe(new PipeOptions(pauseWriterThreshold: bodyPauseThreshold, resumeWriterThreshold: bodyPauseThreshold / 2)) : new Pipe();
        _method = Encoding.ASCII.GetBytes(method);
        _authority = Encoding.ASCII.GetBytes(authority);
        var colon = authority.LastIndexOf(':');
        _host = Encoding.ASCII.GetBytes(colon > 0 ? authority[..colon] : authority);
        var question = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        _path = Encoding.ASCII.GetBytes(question >= 0 ? pathAndQuery[..question] : pathAndQuery);
        _query = question >= 0 ? Encoding.ASCII.GetBytes(pathAndQuery[(question + 1)..]) : [];
        _scheme = Encoding.ASCII.GetBytes(scheme);
        _fields = [.. (fields ?? []).Select(f => (Encoding.Latin1.GetBytes(f.Name), Encoding.Latin1.GetBytes(f.Value)))];
        Method = RequestMethods.Parse(_method);
        HasBody = hasBody;
        DeclaredBodyLength = declaredLength;
        ExpectContinue = expectContinue;
        if (connection is null)
        {
            var (server, client) = InMemoryConnection.CreatePair();
            _ = client;
            connection = server;
        }

        Connection = connection;
        if (!hasBody)
        {
            _body.Writer.Complete();
        }
    }

    // --- what the handler did ---------------------------------------------------------------------------------

    public int? Status { get; private set; }

    public bool HeadEndedStream { get; private set; }

    public List<(string Name, string Value)> ResponseFields { get; } = [];

    public List<(string Name, string Value)> ResponseTrailers { get; } = [];

    public int ContinuesSent { get; private set; }

    public Http2ErrorCode? ResetCode { get; private set; }

    /// <summary>Whether the response ended with END_STREAM (on the head, on DATA or on trailers/empty DATA).</summary>
    public bool Ended { get; private set; }

    public string DataText
    {
        get
        {
            lock (_lock)
            {
                return Encoding.Latin1.GetString(_data.ToArray());
            }
        }
    }

    public Task Done => _done.Task;

    public Task HeadWritten => _headWritten.Task;

    /// <summary>When false, writes report that the stream can no longer be written (as after a reset).</summary>
    public bool Writable { get; set; } = true;

    // --- test controls --------------------------------------------------------------------------------------------

    public PipeWriter BodyWriter => _body.Writer;

    public async Task SendBodyAsync(string text, bool end)
    {
        await _body.Writer.WriteAsync(Encoding.Latin1.GetBytes(text), CancellationToken.None);
        if (end)
        {
            await _body.Writer.CompleteAsync();
        }
    }

    public void AddRequestTrailer(string name, string value) => _trailers.Add((Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value)));

    /// <summary>The client resets the stream: reads fail, the token fires.</summary>
    public void ClientReset()
    {
        Writable = false;
        _body.Writer.Complete(new Http2StreamAbortedException(Http2ErrorCode.Cancel, "client reset"));
        _aborted.Cancel();
    }

    // --- IHttp2RequestStream --------------------------------------------------------------------------------------

    public int StreamId => 1;

    public TransportConnection Connection { get; }

    public ReadOnlySpan<byte> Scheme => _scheme;

    public bool ExpectContinue { get; }

    public int FieldCount => _fields.Count;

    public PipeReader RequestBody => _body.Reader;

    public int TrailerCount => _trailers.Count;

    public CancellationToken Aborted => _aborted.Token;

    public RequestMethod Method { get; }

    public ReadOnlySpan<byte> MethodBytes => _method;

    public ReadOnlySpan<byte> Host => _host;

    public ReadOnlySpan<byte> ForwardedAuthority => _authority;

    public ReadOnlySpan<byte> Path => _path;

    public ReadOnlySpan<byte> Query => _query;

    public bool HasBody { get; }

    public long DeclaredBodyLength { get; }

    public void GetField(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = _fields[index].Name;
        value = _fields[index].Value;
    }

    public void GetTrailer(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = _trailers[index].Name;
        value = _trailers[index].Value;
    }

    public bool TryGetFirst(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        foreach (var (fieldName, fieldValue) in _fields)
        {
            if (Ascii.EqualsIgnoreCase(fieldName, name))
            {
                value = fieldValue;
                return true;
            }
        }

        value = default;
        return false;
    }

    public int Count(ReadOnlySpan<byte> name)
    {
        var count = 0;
        foreach (var (fieldName, _) in _fields)
        {
            if (Ascii.EqualsIgnoreCase(fieldName, name))
            {
                count++;
            }
        }

        return count;
    }

    public ValueTask WriteContinueAsync()
    {
        if (Status is null)
        {
            ContinuesSent++;
        }

        return default;
    }

    public void AddResponseField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var field = (Encoding.ASCII.GetString(name).ToLowerInvariant(), Encoding.Latin1.GetString(value));
        if (field.Item1 is "connection" or "keep-alive" or "proxy-connection" or "transfer-encoding" or "upgrade")
        {
            return;
        }

        (Status is null ? ResponseFields : ResponseTrailers).Add(field);
    }

    public ValueTask WriteResponseHeadAsync(int status, bool endStream)
    {
        Assert.Null(Status);
        Status = status;
        HeadEndedStream = endStream;
        _headWritten.TrySetResult();
        if (endStream)
        {
            End();
        }

        return default;
    }

    public void HoldResponseHead(int status)
    {
        // Completes synchronously here: nothing is sent anywhere.
        var written = WriteResponseHeadAsync(status, endStream: false);
        Assert.True(written.IsCompletedSuccessfully);
    }

    public ValueTask<bool> HoldDataAsync(ReadOnlySequence<byte> data) => WriteDataAsync(data, endStream: false);

    public ValueTask<bool> FlushAsync() => ValueTask.FromResult(Writable);

    public ValueTask<bool> WriteDataAsync(ReadOnlySequence<byte> data, bool endStream)
    {
        Assert.NotNull(Status);
        Assert.False(Ended, "DATA after END_STREAM");
        if (!Writable)
        {
            return ValueTask.FromResult(false);
        }

        lock (_lock)
        {
            foreach (var segment in data)
            {
                _data.Write(segment.Span);
            }
        }

        if (endStream)
        {
            End();
        }

        return ValueTask.FromResult(true);
    }

    public ValueTask<bool> CompleteResponseAsync()
    {
        Assert.NotNull(Status);
        Assert.False(Ended, "END_STREAM twice");
        if (!Writable)
        {
            return ValueTask.FromResult(false);
        }

        End();
        return ValueTask.FromResult(true);
    }

    public void Reset(Http2ErrorCode code)
    {
        ResetCode ??= code;
        _headWritten.TrySetResult();
        _done.TrySetResult();
    }

    public void Dispose()
    {
        _aborted.Dispose();
        _data.Dispose();
    }

    private void End()
    {
        Ended = true;
        _done.TrySetResult();
    }
}
