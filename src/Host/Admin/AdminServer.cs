using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Core.Transport;
using FastProxy.Host.Metrics;
using FastProxy.Http.Http1;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Admin;

/// <summary>
/// The admin endpoint, on its own address off the data path: /healthz, /readyz, /metrics,
/// /config and /.well-known/jwks.json. Served by the proxy's own transport and HTTP/1.1 parser
/// with tight limits: it is not the data path, but it still faces whatever connects to it.
/// </summary>
public sealed class AdminServer : IAsyncDisposable
{
    private const string TextPlain = "text/plain; charset=utf-8";

    private const string ApplicationJson = "application/json";

    /// <summary>Probes and scrapers are a handful of clients; more is a misbehaving one.</summary>
    internal const int MaxConnections = 64;

    /// <summary>Admin paths are short and probes send few headers; anything larger is refused (414/431).</summary>
    internal static readonly Http1Limits Limits = new(
        maxRequestLineBytes: 1024,
        maxHeaderBytes: 8 * 1024,
        maxHeaderCount: 32,
        Http1Limits.DefaultMaxChunkLineBytes,
        Http1Limits.DefaultMaxTrailerBytes);

    /// <summary>How long a connection may take to deliver a request head (idle keep-alive included).</summary>
    internal static readonly TimeSpan DefaultHeadTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(2);

    private readonly ConnectionListener _listener;
    private readonly AdminState _state;
    private readonly ILogger _logger;
    private readonly TimeSpan _headTimeout;

    private AdminServer(ConnectionListener listener, AdminState state, ILogger logger, TimeSpan headTimeout)
    {
        _listener = listener;
        _state = state;
        _logger = logger;
        _headTimeout = headTimeout;
    }

    /// <summary>The address actually bound (the real port when port 0 was asked).</summary>
    public IPEndPoint BoundEndPoint => _listener.BoundEndPoints[0];

    /// <summary>Binds <paramref name="address"/> and starts serving; throws <see cref="IOException"/> when it cannot be bound.</summary>
    public static Task<AdminServer> StartAsync(IPEndPoint address, AdminState state, ILoggerFactory loggers, CancellationToken ct)
        => StartAsync(address, state, loggers, DefaultHeadTimeout, ct);

    internal static async Task<AdminServer> StartAsync(IPEndPoint address, AdminState state, ILoggerFactory loggers, TimeSpan headTimeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(loggers);
        var logger = loggers.CreateLogger("FastProxy.Host.Admin");
        AdminServer? self = null;
        var listener = new ConnectionListener(
            new ConnectionListenerOptions
            {
                Endpoints = [address],
                MaxConnections = MaxConnections,
                Backlog = MaxConnections,
                ConnectionOptions = new SocketConnectionOptions
                {
                    Logger = loggers.CreateLogger("FastProxy.Core.Transport"),

                    // A request head is at most ~9 KB (Limits); 16 KB of read buffer is plenty.
                    MaxReadBufferSize = 16 * 1024,
                },
            },
            (connection, stopping) => self!.ServeAsync(connection, stopping),
            logger);
        self = new AdminServer(listener, state, logger, headTimeout);
        try
        {
            await listener.StartAsync(ct);
        }
        catch
        {
            await listener.DisposeAsync();
            throw;
        }

        AdminLog.Started(logger, self.BoundEndPoint);
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.StopAsync(StopTimeout);
        await _listener.DisposeAsync();
    }

    private async Task ServeAsync(TransportConnection connection, CancellationToken stopping)
    {
        var head = new Http1RequestHead();
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                head.Reset();
                if (!await ReadHeadAsync(connection, head, stopping))
                {
                    return;
                }

                var keepAlive = Answer(connection.Output, head) && !stopping.IsCancellationRequested;
                var flush = await connection.Output.FlushAsync(CancellationToken.None);
                if (!keepAlive || flush.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            AdminLog.ConnectionEnded(_logger, "request head timeout or shutdown");
        }
        catch (IOException ex)
        {
            AdminLog.ConnectionEnded(_logger, ex.Message);
        }
        finally
        {
            head.Reset();
            await connection.DisposeAsync();
        }
    }

    /// <summary>Reads one request head; false when the connection is done (closed, or answered with an error).</summary>
    private async Task<bool> ReadHeadAsync(TransportConnection connection, Http1RequestHead head, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(_headTimeout);
        var input = connection.Input;
        while (true)
        {
            var result = await input.ReadAsync(timeout.Token);
            var buffer = result.Buffer;
            var status = Http1Parser.TryParseRequest(buffer, head, Limits, out var consumed, out var error);
            if (status == Http1ParseStatus.Complete)
            {
                input.AdvanceTo(consumed);
                return true;
            }

            if (status == Http1ParseStatus.Error)
            {
                input.AdvanceTo(buffer.End);
                AdminLog.Refused(_logger, error.Status, Http1ParseError.Describe(error.Kind));
                WriteResponse(connection.Output, error.Status, TextPlain, "bad request\n"u8, includeBody: true, close: true);
                await connection.Output.FlushAsync(CancellationToken.None);
                return false;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return false;
            }
        }
    }

    /// <summary>Writes the answer to one request; returns whether the connection may stay open.</summary>
    private bool Answer(PipeWriter output, Http1RequestHead head)
    {
        var isGet = head.Method == RequestMethod.Get;

        // RFC 9110 §9.1: a general-purpose server supports GET and HEAD; everything else is 405.
        if (!isGet && head.Method != RequestMethod.Head)
        {
            AdminLog.Refused(_logger, 405, "method not allowed");
            WriteResponse(output, 405, TextPlain, "method not allowed\n"u8, includeBody: true, close: head.BodyKind != BodyKind.None || !head.KeepAlive, allow: true);
            return head.BodyKind == BodyKind.None && head.KeepAlive;
        }

        // RFC 9110 §9.3.1: a GET body has no defined semantics; the admin endpoint reads none and
        // refuses one rather than leave unread bytes to be taken for the next request.
        if (head.BodyKind != BodyKind.None)
        {
            AdminLog.Refused(_logger, 413, "admin requests carry no body");
            WriteResponse(output, 413, TextPlain, "no request body allowed\n"u8, includeBody: isGet, close: true);
            return false;
        }

        var close = !head.KeepAlive;
        var path = head.Path;
        try
        {
            if (path.SequenceEqual("/healthz"u8))
            {
                // Liveness: the process runs and the admin loop answers.
                WriteResponse(output, 200, TextPlain, "ok\n"u8, isGet, close);
            }
            else if (path.SequenceEqual("/readyz"u8))
            {
                var ready = _state.IsReady();
                WriteResponse(output, ready ? 200 : 503, TextPlain, ready ? "ready\n"u8 : "not ready\n"u8, isGet, close);
            }
            else if (path.SequenceEqual("/metrics"u8) && _state.Metrics is { } metrics)
            {
                WriteResponse(output, 200, PrometheusTextWriter.ContentType, Encoding.UTF8.GetBytes(metrics.ToPrometheusText()), isGet, close);
            }
            else if (path.SequenceEqual("/config"u8) && _state.ConfigJson is { } config)
            {
                WriteResponse(output, 200, ApplicationJson, Encoding.UTF8.GetBytes(config()), isGet, close);
            }
            else if (path.SequenceEqual("/.well-known/jwks.json"u8))
            {
                var jwks = _state.JwksJson?.Invoke() ?? AdminState.EmptyJwks;
                WriteResponse(output, 200, ApplicationJson, Encoding.UTF8.GetBytes(jwks), isGet, close);
            }
            else
            {
                WriteResponse(output, 404, TextPlain, "not found\n"u8, isGet, close);
            }
        }
#pragma warning disable CA1031 // a failing source (metrics, config) answers 500; it must not take the admin loop down
        catch (Exception ex)
#pragma warning restore CA1031
        {
            AdminLog.HandlerFailed(_logger, ex, Encoding.ASCII.GetString(path));
            WriteResponse(output, 500, TextPlain, "internal error\n"u8, isGet, close: true);
            return false;
        }

        return !close;
    }

    private static void WriteResponse(PipeWriter output, int status, string contentType, ReadOnlySpan<byte> body, bool includeBody, bool close, bool allow = false)
    {
        var head = new StringBuilder(192)
            .Append("HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(ReasonPhrase(status)).Append("\r\n")
            .Append("Content-Type: ").Append(contentType).Append("\r\n")
            .Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("Cache-Control: no-store\r\n")
            .Append("X-Content-Type-Options: nosniff\r\n");
        if (allow)
        {
            // RFC 9110 §15.5.6: a 405 response MUST carry Allow.
            head.Append("Allow: GET, HEAD\r\n");
        }

        if (close)
        {
            head.Append("Connection: close\r\n");
        }

        head.Append("\r\n");
        output.Write(Encoding.ASCII.GetBytes(head.ToString()));
        if (includeBody)
        {
            output.Write(body);
        }
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    };
}
