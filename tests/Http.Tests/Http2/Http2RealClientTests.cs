using System.Buffers;
using System.Diagnostics;
using System.Net;
using FastProxy.Core.Transport;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.Streams;
using FastProxy.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace FastProxy.Http.Tests.Http2;

/// <summary>
/// Black-box: clients we did not write (python3-h2, nghttp, curl, h2load, .NET HttpClient) against an
/// <see cref="Http2ConnectionHandler"/> on a real loopback listener serving an echo handler. A test whose client is
/// not installed says so in its output and passes without running (CI installs them all).
/// </summary>
public sealed class Http2RealClientTests : IClassFixture<Http2RealClientTests.LoopbackServer>
{
    private readonly LoopbackServer _server;
    private readonly ITestOutputHelper _output;

    public Http2RealClientTests(LoopbackServer server, ITestOutputHelper output)
    {
        _server = server;
        _output = output;
    }

    private string BaseUrl => $"http://127.0.0.1:{_server.Port}";

    [Fact]
    public async Task PythonH2_GetPostTrailersConcurrentAndFlowControlledDownload_AllPass()
    {
        if (!File.Exists("/usr/bin/python3"))
        {
            _output.WriteLine("SKIPPED: /usr/bin/python3 is not installed");
            return;
        }

        var script = Path.Combine(AppContext.BaseDirectory, "Http2", "clients", "h2_client.py");
        var (exit, output) = await RunAsync("/usr/bin/python3", script, "127.0.0.1", _server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _output.WriteLine(output);
        if (exit == 2)
        {
            _output.WriteLine("SKIPPED: /usr/bin/python3 has no h2 module (apt install python3-h2)");
            return;
        }

        Assert.Equal(0, exit);
        Assert.Contains("OK get", output, StringComparison.Ordinal);
        Assert.Contains("OK post-trailers", output, StringComparison.Ordinal);
        Assert.Contains("OK concurrent", output, StringComparison.Ordinal);
        Assert.Contains("OK download", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nghttp_PriorKnowledgeGet_Status200()
    {
        if (!Installed("nghttp"))
        {
            return;
        }

        var (exit, output) = await RunAsync("nghttp", "-nv", $"{BaseUrl}/hello");
        _output.WriteLine(output);

        Assert.Equal(0, exit);
        Assert.Contains(":status: 200", output, StringComparison.Ordinal);
        Assert.Contains("x-path: /hello", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nghttp_UploadWithData_EchoedBody()
    {
        if (!Installed("nghttp"))
        {
            return;
        }

        var file = Path.Combine(Path.GetTempPath(), $"h2-upload-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(file, Enumerable.Range(0, 200_000).Select(i => (byte)(i % 251)).ToArray());
        try
        {
            var (exit, output) = await RunAsync("nghttp", "-v", "-d", file, $"{BaseUrl}/upload");
            Assert.Equal(0, exit);
            Assert.Contains(":status: 200", output, StringComparison.Ordinal);
            Assert.Contains("recv DATA frame", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Curl_Http2PriorKnowledge_GetAndPost()
    {
        if (!Installed("curl"))
        {
            return;
        }

        var (exit, output) = await RunAsync("curl", "-sS", "--http2-prior-knowledge", "-D", "-", $"{BaseUrl}/curl?q=1");
        _output.WriteLine(output);
        Assert.Equal(0, exit);
        Assert.StartsWith("HTTP/2 200", output, StringComparison.Ordinal);
        Assert.Contains("x-query: q=1", output, StringComparison.Ordinal);

        (exit, output) = await RunAsync("curl", "-sS", "--http2-prior-knowledge", "--data-binary", "posted by curl", $"{BaseUrl}/post");
        Assert.Equal(0, exit);
        Assert.Equal("posted by curl", output);
    }

    [Fact]
    public async Task H2load_2000RequestsOver4ConnectionsWith10Streams_NoErrors()
    {
        if (!Installed("h2load"))
        {
            return;
        }

        var (exit, output) = await RunAsync("h2load", "-n", "2000", "-c", "4", "-m", "10", $"{BaseUrl}/load");
        _output.WriteLine(output);

        Assert.True(exit == 0 && output.Contains("2000 succeeded, 0 failed, 0 errored", StringComparison.Ordinal), output + string.Join('\n', _server.Logger.Lines));
    }

    [Fact]
    public async Task HttpClient_H2cPriorKnowledge_GetAndPost()
    {
        using var handler = new SocketsHttpHandler();
        using var client = new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact, Timeout = TimeSpan.FromSeconds(20) };

        using var get = await client.GetAsync(new Uri($"{BaseUrl}/dotnet"));
        Assert.Equal(HttpVersion.Version20, get.Version);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("/dotnet", get.Headers.GetValues("x-path").Single());

        using var content = new ByteArrayContent(new byte[300_000]);
        using var post = await client.PostAsync(new Uri($"{BaseUrl}/dotnet-post"), content);
        Assert.Equal(300_000, (await post.Content.ReadAsByteArrayAsync()).Length);

        var downloads = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.GetByteArrayAsync(new Uri($"{BaseUrl}/download/500000"))));
        Assert.All(downloads, d => Assert.Equal(500_000, d.Length));
    }

    private bool Installed(string tool)
    {
        var found = File.Exists($"/usr/bin/{tool}") || File.Exists($"/usr/local/bin/{tool}");
        if (!found)
        {
            _output.WriteLine($"SKIPPED: {tool} is not installed");
        }

        return found;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>A loopback listener serving <see cref="Http2ConnectionHandler"/> with the echo handler (and /download/N).</summary>
    public sealed class LoopbackServer : IAsyncLifetime
    {
        private ConnectionListener? _listener;

        public int Port { get; private set; }

        internal ListLogger Logger { get; } = new();

        public async Task InitializeAsync()
        {
            var handler = new Http2ConnectionHandler(new DownloadOrEchoHandler(), new Http2ConnectionOptions(), Logger);
            var options = new ConnectionListenerOptions { Endpoints = [LoopbackHelpers.AnyPortV4] };
            _listener = new ConnectionListener(options, handler.HandleAsync, NullLogger.Instance);
            await _listener.StartAsync(CancellationToken.None);
            Port = _listener.BoundEndPoints[0].Port;
        }

        public async Task DisposeAsync()
        {
            if (_listener is not null)
            {
                await _listener.DisposeAsync();
            }
        }
    }

    /// <summary>GET /download/N answers N bytes (i % 251) in 64 KiB writes; everything else is echoed.</summary>
    private sealed class DownloadOrEchoHandler : IHttp2StreamHandler
    {
        private readonly EchoHandler _echo = new();

        public async ValueTask HandleAsync(IHttp2RequestStream stream)
        {
            if (!stream.Path.StartsWith("/download/"u8))
            {
                await _echo.HandleAsync(stream);
                return;
            }

            var size = int.Parse(System.Text.Encoding.ASCII.GetString(stream.Path["/download/".Length..]), System.Globalization.CultureInfo.InvariantCulture);
            var body = Enumerable.Range(0, size).Select(i => (byte)(i % 251)).ToArray();
            stream.AddResponseField("content-length"u8, System.Text.Encoding.ASCII.GetBytes(size.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            await stream.WriteResponseHeadAsync(200, endStream: false);
            for (var offset = 0; offset < size; offset += 65_536)
            {
                if (!await stream.WriteDataAsync(new ReadOnlySequence<byte>(body, offset, Math.Min(65_536, size - offset)), endStream: false))
                {
                    return;
                }
            }

            await stream.CompleteResponseAsync();
        }
    }
}
