using System.Buffers;
using System.Net;
using BenchmarkDotNet.Attributes;
using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Host.Audit;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Benchmarks;

/// <summary>
/// The audit trail's per-record cost, in the three places it is paid: (a) the request thread's
/// enqueue, (b) the writer's serialise + hash, (c) the writer's sink write (per record of a batch).
/// The record is the peers scenario's (bench/load/audit-ab.sh): an allowed GET with a validated
/// token, generated ids, a 64-hex policy version.
/// </summary>
[MemoryDiagnoser]
public class AuditBenchmark
{
    /// <summary>Rotate the benchmark's file at this size so a long run does not fill the disk (production default: 100 MiB).</summary>
    private const long MaxFileBytes = 64L * 1024 * 1024;

    private static readonly byte[] RequestId = "5f0c2a9e8b7d4c3e9a1f6b2d8c4e7a90"u8.ToArray();
    private static readonly byte[] TraceId = "4bf92f3577b34da6a3ce929d0e0e4736"u8.ToArray();
    private static readonly byte[] Method = "GET"u8.ToArray();
    private static readonly byte[] Host = "127.0.0.1"u8.ToArray();
    private static readonly byte[] Path = "/api/orders"u8.ToArray();
    private static readonly IPAddress Client = IPAddress.Loopback;

    private static readonly GateAudit Gate = new(
        "9c1d3f0b6e8a2c4d7f9e1b3a5c7d9e0f2a4b6c8d0e1f3a5b7c9d1e2f4a6b8c0d",
        "api",
        "allowed",
        "routes[0].allow[0]",
        "claim roles contains reader",
        false,
        null,
        "https://idp.test",
        "alice");

    private readonly byte[] _prev = new byte[32];
    private AuditQueue _queue = null!;
    private AuditSlot _slot = null!;
    private AuditRecordSerializer _serializer = null!;
    private ArrayBufferWriter<byte> _output = null!;
    private string _directory = null!;
    private FileAuditSink _sink = null!;
    private byte[] _batch = null!;
    private byte[] _single = null!;
    private long _fileBytes;
    private long _fileSeq;

    /// <summary>Records per sink write in <see cref="SinkWriteBatch"/>: the writer's batch limit.</summary>
    private const int BatchRecords = 256;

    [GlobalSetup]
    public void Setup()
    {
        _queue = new AuditQueue(1024);
        var single = new AuditQueue(2);
        if (!single.TryClaim(out var slot, out _))
        {
            throw new InvalidOperationException("a new queue refused a record");
        }

        _slot = slot;
        _slot.Fill(Record(), 1_795_924_800_123);
        _serializer = new AuditRecordSerializer();
        _output = new ArrayBufferWriter<byte>(4096);

        var lines = new ArrayBufferWriter<byte>();
        for (var i = 0; i < BatchRecords; i++)
        {
            _ = _serializer.Serialize(_slot, 0, i + 1, _serializer.LastHash, lines);
        }

        _batch = lines.WrittenSpan.ToArray();
        _single = _batch.AsSpan(0, _batch.Length / BatchRecords).ToArray();

        // The record's size drives (b) and (c): printed so a run shows what it measured.
        Console.WriteLine($"// audit record: {_single.Length} bytes (line end included), batch of {BatchRecords}: {_batch.Length} bytes");
        _directory = Directory.CreateTempSubdirectory("fastproxy-audit-bench-").FullName;
        _sink = new FileAuditSink(System.IO.Path.Combine(_directory, "audit.jsonl"), MaxFileBytes, 2, NullLogger.Instance);
        _sink.Open(AuditChainState.Genesis());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _serializer.Dispose();
        _sink.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>(a) What the request thread does per request (claim, copy, publish), plus the writer's release of the slot.</summary>
    [Benchmark]
    public bool Enqueue()
    {
        var queue = _queue;
        if (!queue.TryClaim(out var slot, out var position))
        {
            return false;
        }

        slot.Fill(Record(), 1_795_924_800_123);
        queue.Publish(position);
        queue.Release(queue.Peek()!);
        return true;
    }

    /// <summary>(b) What the writer does per record before the write: JSON line + SHA-256 chain hash.</summary>
    [Benchmark]
    public int SerializeAndHash()
    {
        _output.ResetWrittenCount();
        return _serializer.Serialize(_slot, 0, 123_456, _prev, _output);
    }

    /// <summary>(c) One sink write of <see cref="BatchRecords"/> serialized records (what the writer does under load); reported per record.</summary>
    [Benchmark(OperationsPerInvoke = BatchRecords)]
    public void SinkWriteBatch() => Write(_batch);

    /// <summary>(c') One sink write per record: the cost a writer that wakes per record would pay.</summary>
    [Benchmark]
    public void SinkWriteSingle() => Write(_single);

    private void Write(byte[] lines)
    {
        if (_fileBytes + lines.Length > MaxFileBytes)
        {
            _sink.Rotate(_fileSeq++);
            _fileBytes = 0;
        }

        _sink.Write(lines);
        _fileBytes += lines.Length;
    }

    private static RequestRecord Record() => new()
    {
        StartUnixMilliseconds = 1_795_924_800_123,
        DurationMicroseconds = 412,
        RequestId = RequestId,
        TraceId = TraceId,
        ClientAddress = Client,
        Protocol = "HTTP/1.1",
        Method = Method,
        Host = Host,
        Path = Path,
        RouteIndex = 0,
        Outcome = RequestOutcome.Forwarded,
        Gate = Gate,
        Status = 200,
        UpstreamEndpoint = "127.0.0.1:19101",
        BytesIn = 0,
        BytesOut = 12,
    };
}
