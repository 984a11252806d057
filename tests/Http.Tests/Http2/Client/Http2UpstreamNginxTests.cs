using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using FastProxy.Http.Http2.Client;

namespace FastProxy.Http.Tests.Http2.Client;

/// <summary>The HTTP/2 upstream client against an independent server: Debian's nginx speaking h2c (prior knowledge).</summary>
public sealed class Http2UpstreamNginxTests
{
    [Fact]
    public async Task TwoHundredConcurrentGets_ThroughThePool_AllSucceedOverFewConnections()
    {
        await using var nginx = await NginxH2c.StartAsync(maxConcurrentStreams: 4);
        await using var pool = new Http2PoolUnderTest(null, endpoint: new IPEndPoint(IPAddress.Loopback, nginx.Port));

        var tasks = Enumerable.Range(0, 200).Select(async i =>
        {
            var stream = await pool.Pool.OpenStreamAsync(CancellationToken.None);
            return await Http2Exchange.RunAsync(stream, path: "/hello/" + i.ToString(CultureInfo.InvariantCulture));
        }).ToArray();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(results, r =>
        {
            Assert.Equal(Http2UpstreamHeadOutcome.Complete, r.Outcome);
            Assert.Equal(200, r.Status);
            Assert.StartsWith("hello from nginx over HTTP/2.0", r.Body, StringComparison.Ordinal);
        });

        // Four streams a connection (nginx's limit): 200 concurrent requests fit in 50 connections; the pool opens one
        // at a time and fills each first, so far fewer are usually needed.
        Assert.InRange(pool.Pool.OpenConnections, 1, 50);
        Assert.Equal(0, pool.Pool.ActiveStreams);
    }

    [Fact]
    public async Task PostWithBody_ToNginx_GetsItsAnswer()
    {
        await using var nginx = await NginxH2c.StartAsync(maxConcurrentStreams: 4);
        await using var pool = new Http2PoolUnderTest(null, endpoint: new IPEndPoint(IPAddress.Loopback, nginx.Port));

        var stream = await pool.Pool.OpenStreamAsync(CancellationToken.None);
        var exchange = await Http2Exchange.RunAsync(stream, "POST", "/post", body: new string('p', 100_000));

        Assert.Equal(200, exchange.Status);
        Assert.StartsWith("hello from nginx", exchange.Body, StringComparison.Ordinal);
    }

    /// <summary>nginx on a free port with `listen ... http2` (h2c with prior knowledge) and a small stream limit.</summary>
    private sealed class NginxH2c : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _directory;

        private NginxH2c(Process process, string directory, int port)
        {
            _process = process;
            _directory = directory;
            Port = port;
        }

        public int Port { get; }

        public static async Task<NginxH2c> StartAsync(int maxConcurrentStreams)
        {
            var binary = new[] { "/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx" }.FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException("nginx is not installed (test.sh installs the Debian package 'nginx'): this test needs it as an independent HTTP/2 server");
            var directory = Path.Combine(Path.GetTempPath(), "fastproxy-h2c-nginx-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            var port = FreePort();
            var config = $$"""
                daemon off;
                master_process off;
                worker_processes 1;
                pid {{directory}}/nginx.pid;
                error_log {{directory}}/error.log info;
                events { worker_connections 1024; }
                http {
                  access_log off;
                  client_body_temp_path {{directory}}/body;
                  proxy_temp_path {{directory}}/proxy;
                  fastcgi_temp_path {{directory}}/fastcgi;
                  uwsgi_temp_path {{directory}}/uwsgi;
                  scgi_temp_path {{directory}}/scgi;
                  http2_max_concurrent_streams {{maxConcurrentStreams}};
                  server {
                    listen 127.0.0.1:{{port}} http2;
                    location / {
                      default_type text/plain;
                      return 200 "hello from nginx over $server_protocol $request_uri\n";
                    }
                  }
                }
                """;
            var configPath = Path.Combine(directory, "nginx.conf");
            await File.WriteAllTextAsync(configPath, config);
            var info = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { "-p", directory, "-c", configPath, "-e", Path.Combine(directory, "error.log") })
            {
                info.ArgumentList.Add(arg);
            }

            var process = Process.Start(info)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var nginx = new NginxH2c(process, directory, port);
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, port);
                    return nginx;
                }
                catch (SocketException) when (DateTime.UtcNow < until && !process.HasExited)
                {
                    await Task.Delay(50);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // best effort
            }
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
