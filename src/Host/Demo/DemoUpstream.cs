using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using FastProxy.Core.Transport;
using FastProxy.Http.Http1;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Demo;

/// <summary>
/// The demo's in-process services on one loopback port: an echo upstream (answers every request
/// with a small JSON document saying what it received, so a user sees the headers the proxy
/// added) and the demo identity provider (OIDC discovery + JWKS). Built on the proxy's own
/// transport and parser: the demo needs nothing outside the binary.
/// </summary>
internal sealed class DemoUpstream : IAsyncDisposable
{
    private readonly ConnectionListener _listener;
    private readonly DemoIdentityProvider _idp;

    private DemoUpstream(ConnectionListener listener, DemoIdentityProvider idp)
    {
        _listener = listener;
        _idp = idp;
    }

    public IPEndPoint EndPoint => _listener.BoundEndPoints[0];

    public static async Task<DemoUpstream> StartAsync(DemoIdentityProvider idp, SocketConnectionOptions connectionOptions, ILogger logger, CancellationToken cancellationToken)
    {
        DemoUpstream? self = null;
        var listener = new ConnectionListener(
            new ConnectionListenerOptions
            {
                Endpoints = [new IPEndPoint(IPAddress.Loopback, 0)],
                MaxConnections = 1000,
                ConnectionOptions = connectionOptions,
            },
            (connection, stopping) => self!.ServeAsync(connection),
            logger);
        self = new DemoUpstream(listener, idp);
        await listener.StartAsync(cancellationToken);
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.StopAsync(TimeSpan.FromSeconds(1));
        await _listener.DisposeAsync();
    }

    private async Task ServeAsync(TransportConnection connection)
    {
        var head = new Http1RequestHead();
        try
        {
            while (true)
            {
                var result = await connection.Input.ReadAsync(CancellationToken.None);
                var buffer = result.Buffer;
                var status = Http1Parser.TryParseRequest(buffer, head, Http1Limits.Default, out var consumed, out _);
                if (status == Http1ParseStatus.Incomplete)
                {
                    connection.Input.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted)
                    {
                        return;
                    }

                    continue;
                }

                if (status == Http1ParseStatus.Error)
                {
                    return;
                }

                connection.Input.AdvanceTo(consumed);
                await SkipBodyAsync(connection.Input, head);
                var (contentType, body) = Answer(head);
                WriteResponse(connection.Output, contentType, body, head.Method == Core.Gate.RequestMethod.Head);
                await connection.Output.FlushAsync(CancellationToken.None);
                var keepAlive = head.KeepAlive;
                head.Reset();
                if (!keepAlive)
                {
                    return;
                }
            }
        }
        finally
        {
            head.Reset();
            await connection.DisposeAsync();
        }
    }

    private (string ContentType, byte[] Body) Answer(Http1RequestHead head)
    {
        var path = Encoding.ASCII.GetString(head.Path);
        if (string.Equals(path, "/.well-known/openid-configuration", StringComparison.Ordinal))
        {
            return ("application/json", Encoding.UTF8.GetBytes(_idp.DiscoveryDocument(EndPoint)));
        }

        if (string.Equals(path, "/jwks.json", StringComparison.Ordinal))
        {
            return ("application/json", Encoding.UTF8.GetBytes(_idp.JwksDocument()));
        }

        var json = new StringBuilder();
        json.Append("{\"upstream\":\"demo\",\"method\":\"").Append(Encoding.ASCII.GetString(head.MethodBytes))
            .Append("\",\"path\":\"").Append(Escape(path)).Append("\",\"headers\":{");
        for (var i = 0; i < head.HeaderCount; i++)
        {
            if (i > 0)
            {
                json.Append(',');
            }

            json.Append('"').Append(Escape(Encoding.ASCII.GetString(head.GetName(i)).ToLowerInvariant())).Append("\":\"")
                .Append(Escape(Encoding.Latin1.GetString(head.GetValue(i)))).Append('"');
        }

        json.Append("}}\n");
        return ("application/json", Encoding.UTF8.GetBytes(json.ToString()));
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static void WriteResponse(PipeWriter output, string contentType, byte[] body, bool isHead)
    {
        output.Write(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\n\r\n"));
        if (!isHead)
        {
            output.Write(body);
        }
    }

    private static async Task SkipBodyAsync(PipeReader input, Http1RequestHead head)
    {
        if (head.BodyKind == BodyKind.ContentLength)
        {
            var remaining = head.ContentLength;
            while (remaining > 0)
            {
                var result = await input.ReadAsync(CancellationToken.None);
                var take = Math.Min(remaining, result.Buffer.Length);
                input.AdvanceTo(result.Buffer.GetPosition(take));
                remaining -= take;
                if (result.IsCompleted && remaining > 0)
                {
                    return;
                }
            }
        }
        else if (head.BodyKind == BodyKind.Chunked)
        {
            var reader = new ChunkedBodyReader(long.MaxValue, Http1Limits.Default);
            while (true)
            {
                var result = await input.ReadAsync(CancellationToken.None);
                var status = reader.Advance(result.Buffer, out var valid, out _);
                input.AdvanceTo(result.Buffer.GetPosition(valid), result.Buffer.End);
                if (status != ChunkedStatus.NeedMore || result.IsCompleted)
                {
                    return;
                }
            }
        }
    }
}
