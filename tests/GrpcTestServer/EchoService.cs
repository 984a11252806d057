using FastProxy.GrpcTestServer.Echo;
using Google.Protobuf;
using Grpc.Core;

namespace FastProxy.GrpcTestServer;

/// <summary>
/// The echo service: every request carries its own instructions (replies, payload size, delay, a status to fail with,
/// metadata to echo), so one server serves every test and the load benchmark. Calls that end by cancellation (client
/// cancel, deadline, reset) are recorded in <see cref="ServerStats"/>.
/// </summary>
public sealed class EchoService(ServerStats stats) : Echo.Echo.EchoBase
{
    private const string EchoPrefix = "x-echo-";

    // 64 MiB: above any message a test asks for, below what would hurt the machine.
    private const int MaxPayload = 64 * 1024 * 1024;

    public override Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
        => RunAsync(nameof(Unary), context, async () =>
        {
            await StartAsync(request, context);
            await DelayAsync(request, context);
            var reply = Reply(request, 0, 1, request.Payload.Length);
            Fail(request);
            return reply;
        });

    public override Task ServerStream(EchoRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
        => RunAsync(nameof(ServerStream), context, async () =>
        {
            await StartAsync(request, context);
            await WriteRepliesAsync(request, 0, 1, request.Payload.Length, responseStream, context);
            Fail(request);
            return true;
        });

    public override Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
        => RunAsync(nameof(ClientStream), context, async () =>
        {
            EchoRequest? first = null;
            var received = 0;
            long bytes = 0;
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            {
                if (first is null)
                {
                    first = request;
                    await StartAsync(request, context);
                }

                received++;
                bytes += request.Payload.Length;
            }

            first ??= new EchoRequest();
            await DelayAsync(first, context);
            var reply = Reply(first, 0, received, bytes);
            Fail(first);
            return reply;
        });

    public override Task Bidi(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
        => RunAsync(nameof(Bidi), context, async () =>
        {
            var received = 0;
            long bytes = 0;
            var index = 0;
            EchoRequest? last = null;
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            {
                if (received == 0)
                {
                    await StartAsync(request, context);
                }

                received++;
                bytes += request.Payload.Length;
                index = await WriteRepliesAsync(request, index, received, bytes, responseStream, context);
                last = request;
            }

            if (last is not null)
            {
                Fail(last);
            }

            return true;
        });

    public override Task<StatsReply> Stats(StatsRequest request, ServerCallContext context)
    {
        var (calls, completed, cancellations, cancelled) = stats.Read(request.Reset);
        var reply = new StatsReply { Calls = calls, Completed = completed, Cancellations = cancellations };
        reply.Cancelled.AddRange(cancelled);
        return Task.FromResult(reply);
    }

    /// <summary>Counts the call, and records it as cancelled when it ends because the call was aborted or timed out.</summary>
    private async Task<T> RunAsync<T>(string method, ServerCallContext context, Func<Task<T>> body)
    {
        stats.CallStarted();
        try
        {
            var result = await body();
            stats.CallCompleted();
            return result;
        }
        catch (Exception ex) when (ex is OperationCanceledException || (ex is IOException && context.CancellationToken.IsCancellationRequested))
        {
            var deadline = context.Deadline <= DateTime.UtcNow;
            var reason = deadline ? "deadline" : "cancelled";
            stats.CallCancelled(method, reason);
            throw new RpcException(new Status(deadline ? StatusCode.DeadlineExceeded : StatusCode.Cancelled, "call " + reason));
        }
        catch (RpcException)
        {
            // A status the request asked for: the call completed as asked.
            stats.CallCompleted();
            throw;
        }
    }

    private static async Task StartAsync(EchoRequest request, ServerCallContext context)
    {
        if (request.EchoMetadata)
        {
            var headers = new Metadata();
            foreach (var entry in context.RequestHeaders)
            {
                if (!entry.Key.StartsWith(EchoPrefix, StringComparison.Ordinal))
                {
                    continue;
                }

                if (entry.IsBinary)
                {
                    headers.Add(entry.Key, entry.ValueBytes);
                    context.ResponseTrailers.Add(TrailerKey(entry.Key), entry.ValueBytes);
                }
                else
                {
                    headers.Add(entry.Key, entry.Value);
                    context.ResponseTrailers.Add(TrailerKey(entry.Key), entry.Value);
                }
            }

            await context.WriteResponseHeadersAsync(headers);
        }
    }

    private static string TrailerKey(string key) => key.EndsWith("-bin", StringComparison.Ordinal)
        ? string.Concat(key.AsSpan(0, key.Length - 4), "-t-bin")
        : key + "-t";

    private static async Task<int> WriteRepliesAsync(EchoRequest request, int index, int received, long bytes, IServerStreamWriter<EchoReply> stream, ServerCallContext context)
    {
        var count = Math.Max(1, request.Responses);
        for (var i = 0; i < count; i++)
        {
            await DelayAsync(request, context);
            await stream.WriteAsync(Reply(request, index++, received, bytes), context.CancellationToken);
        }

        return index;
    }

    private static async Task DelayAsync(EchoRequest request, ServerCallContext context)
    {
        if (request.DelayMs > 0)
        {
            await Task.Delay(request.DelayMs, context.CancellationToken);
        }
    }

    private static EchoReply Reply(EchoRequest request, int index, int received, long bytes) => new()
    {
        Message = request.Message,
        Payload = Payload(request.PayloadSize),
        Index = index,
        Received = received,
        ReceivedBytes = bytes,
    };

    private static ByteString Payload(int size)
    {
        if (size <= 0)
        {
            return ByteString.Empty;
        }

        var bytes = new byte[Math.Min(size, MaxPayload)];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i % 251);
        }

        return ByteString.CopyFrom(bytes);
    }

    private static void Fail(EchoRequest request)
    {
        if (request.FailStatus != 0)
        {
            throw new RpcException(new Status((StatusCode)request.FailStatus, request.FailMessage));
        }
    }
}
