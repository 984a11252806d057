using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// An upstream for the integration tests, on Kestrel (allowed in tests, never in src/): a few
/// endpoints that exercise bodies both ways, slowness, headers and WebSockets.
/// </summary>
public sealed class TestUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestUpstream(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Starts the upstream on <paramref name="port"/> (0: any free port).</summary>
    public static async Task<TestUpstream> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        app.UseWebSockets();
        app.MapGet("/hello", () => "hello from upstream");
        app.MapGet("/api/hello", () => "hello from upstream");
        app.MapMethods("/get-or-head", ["GET", "HEAD"], () => "hello from upstream");
        app.MapMethods("/echo", ["POST", "PUT"], async (HttpContext ctx) =>
        {
            ctx.Response.ContentType = "application/octet-stream";
            if (ctx.Request.Query.ContainsKey("chunked") is false && ctx.Request.ContentLength is long length)
            {
                ctx.Response.ContentLength = length;
            }

            // Read the whole body before answering: HttpClient sends all of its body before it
            // reads the response, so echoing while reading would deadlock once the socket
            // buffers between the three parties fill up (a property of the test client).
            var body = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(body);
            body.Position = 0;
            await body.CopyToAsync(ctx.Response.Body);
        });
        app.MapGet("/big", async (HttpContext ctx) =>
        {
            // Chunked response (no Content-Length) of 3 MiB in 64 KiB writes.
            var block = new byte[64 * 1024];
            for (var i = 0; i < 48; i++)
            {
                Array.Fill(block, (byte)('a' + (i % 26)));
                await ctx.Response.Body.WriteAsync(block);
            }
        });
        app.MapGet("/huge", async (HttpContext ctx) =>
        {
            // 256 MiB, chunked: more than any socket buffer between the parties can hold.
            var block = new byte[256 * 1024];
            for (var i = 0; i < 1024 && !ctx.RequestAborted.IsCancellationRequested; i++)
            {
                await ctx.Response.Body.WriteAsync(block, ctx.RequestAborted);
            }
        });
        app.MapGet("/slow", async (HttpContext ctx) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), ctx.RequestAborted);
            return "late";
        });
        app.MapGet("/delay/{ms:int}", async (int ms) =>
        {
            // Slower than the test's next step, far quicker than any proxy timeout: a request in flight on demand.
            await Task.Delay(ms);
            return "delayed";
        });
        app.MapGet("/api/headers", (HttpContext ctx) => Headers(ctx));
        app.MapGet("/public/headers", (HttpContext ctx) => Headers(ctx));
        app.MapGet("/headers", (HttpContext ctx) =>
        {
            var lines = ctx.Request.Headers.Select(h => $"{h.Key.ToLowerInvariant()}: {h.Value}").Order(StringComparer.Ordinal);
            return string.Join("\n", lines) + "\n";
        });
        app.Map("/ws", async (HttpContext ctx) =>
        {
            if (!ctx.WebSockets.IsWebSocketRequest)
            {
                ctx.Response.StatusCode = 400;
                return;
            }

            using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, ctx.RequestAborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, ctx.RequestAborted);
            }
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        return new TestUpstream(app, address.Port);
    }

    private static string Headers(HttpContext ctx)
    {
        var lines = ctx.Request.Headers.Select(h => $"{h.Key.ToLowerInvariant()}: {h.Value}").Order(StringComparer.Ordinal);
        return string.Join("\n", lines) + "\n";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
