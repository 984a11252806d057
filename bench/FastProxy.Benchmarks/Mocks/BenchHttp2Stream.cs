using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Core.Transport;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.Streams;

namespace FastProxy.Benchmarks.Mocks;

/// <summary>
/// A bodiless HTTP/2 GET stream as the connection would hand it to the handler, reused for every iteration: fixed
/// head fields, a completed body, response calls that only count (what an HPACK encoder and frame writer cost is the
/// connection's benchmark, not the adapter's).
/// </summary>
internal sealed class BenchHttp2Stream : IHttp2RequestStream
{
    private static readonly byte[] MethodValue = "GET"u8.ToArray();
    private static readonly byte[] AuthorityValue = "api.example.com"u8.ToArray();
    private static readonly byte[] PathValue = "/api/v1/orders/12345"u8.ToArray();
    private static readonly byte[] QueryValue = "expand=items"u8.ToArray();
    private static readonly byte[] SchemeValue = "https"u8.ToArray();

    private readonly (byte[] Name, byte[] Value)[] _fields;
    private readonly Pipe _body = new();
    private readonly CancellationTokenSource _aborted = new();

    public BenchHttp2Stream(TransportConnection connection, (string Name, string Value)[] fields)
    {
        Connection = connection;
        _fields = [.. fields.Select(f => (Encoding.ASCII.GetBytes(f.Name), Encoding.ASCII.GetBytes(f.Value)))];
        _body.Writer.Complete();
    }

    public int Status { get; private set; }

    public int ResponseFields { get; private set; }

    public long DataBytes { get; private set; }

    public int StreamId => 1;

    public TransportConnection Connection { get; }

    public ReadOnlySpan<byte> Scheme => SchemeValue;

    public bool ExpectContinue => false;

    public int FieldCount => _fields.Length;

    public PipeReader RequestBody => _body.Reader;

    public int TrailerCount => 0;

    public CancellationToken Aborted => _aborted.Token;

    public RequestMethod Method => RequestMethod.Get;

    public ReadOnlySpan<byte> MethodBytes => MethodValue;

    public ReadOnlySpan<byte> Host => AuthorityValue;

    public ReadOnlySpan<byte> ForwardedAuthority => AuthorityValue;

    public ReadOnlySpan<byte> Path => PathValue;

    public ReadOnlySpan<byte> Query => QueryValue;

    public bool HasBody => false;

    public long DeclaredBodyLength => -1;

    /// <summary>Ready for the next iteration: the body pipe is completed again (the handler completes its reader).</summary>
    public void Reset()
    {
        _body.Reader.Complete();
        _body.Reset();
        _body.Writer.Complete();
        Status = 0;
        ResponseFields = 0;
        DataBytes = 0;
    }

    public void GetField(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = _fields[index].Name;
        value = _fields[index].Value;
    }

    public void GetTrailer(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) => throw new ArgumentOutOfRangeException(nameof(index));

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

    public ValueTask WriteContinueAsync() => default;

    public void AddResponseField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => ResponseFields++;

    public ValueTask WriteResponseHeadAsync(int status, bool endStream)
    {
        Status = status;
        return default;
    }

    public ValueTask<bool> WriteDataAsync(ReadOnlySequence<byte> data, bool endStream)
    {
        DataBytes += data.Length;
        return new ValueTask<bool>(true);
    }

    public void HoldResponseHead(int status) => Status = status;

    public ValueTask<bool> HoldDataAsync(ReadOnlySequence<byte> data)
    {
        DataBytes += data.Length;
        return new ValueTask<bool>(true);
    }

    public ValueTask<bool> FlushAsync() => new(true);

    public ValueTask<bool> CompleteResponseAsync() => new(true);

    public void Reset(Http2ErrorCode code) => throw new InvalidOperationException($"the benchmark's stream was reset: {code}");
}
