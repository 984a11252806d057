using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// Debian's nginx as an independent TLS upstream (OpenSSL; TLS 1.3 sends session tickets after the handshake) on a free
/// loopback port, in the foreground (no daemon, no master process) with every path in a temp directory. It answers
/// every request with what it saw of the TLS connection: protocol, SNI, the client certificate's verification and
/// subject, and its connection serial and request count (so a test sees whether the proxy reused the connection).
/// Client certificates are asked for (optional) and verified against <c>clientCa</c>. test.sh installs nginx.
/// </summary>
public sealed class NginxTlsUpstream : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output = new();

    private NginxTlsUpstream(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary>nginx's error log (handshake failures as nginx saw them).</summary>
    public string ErrorLog => File.Exists(Path.Combine(_directory, "error.log")) ? File.ReadAllText(Path.Combine(_directory, "error.log")) : "";

    public static string? FindBinary()
    {
        foreach (var candidate in new[] { "/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx", "/usr/local/bin/nginx" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static async Task<NginxTlsUpstream> StartAsync(string certificateChain, string key, string clientCa)
    {
        var binary = FindBinary() ?? throw new InvalidOperationException("nginx is not installed (test.sh installs the Debian package 'nginx'); the upstream TLS tests need it as an independent TLS server");
        var directory = Path.Combine(Path.GetTempPath(), "fastproxy-nginx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var port = FreePort();
        var config = $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log info;
            events { worker_connections 256; }
            http {
              access_log {{directory}}/access.log;
              client_body_temp_path {{directory}}/body;
              proxy_temp_path {{directory}}/proxy;
              fastcgi_temp_path {{directory}}/fastcgi;
              uwsgi_temp_path {{directory}}/uwsgi;
              scgi_temp_path {{directory}}/scgi;
              keepalive_requests 10000;
              keepalive_timeout 60s;
              server {
                listen 127.0.0.1:{{port}} ssl;
                ssl_certificate {{certificateChain}};
                ssl_certificate_key {{key}};
                ssl_protocols TLSv1.2 TLSv1.3;
                ssl_client_certificate {{clientCa}};
                ssl_verify_client optional;
                location / {
                  default_type text/plain;
                  return 200 "proto=$ssl_protocol sni=$ssl_server_name client=$ssl_client_verify subject=$ssl_client_s_dn conn=$connection reqs=$connection_requests\n";
                }
              }
            }
            """;
        var configPath = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config);
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-p", directory, "-c", configPath, "-e", Path.Combine(directory, "error.log") })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var upstream = new NginxTlsUpstream(process, directory, port);
        process.OutputDataReceived += (_, e) => upstream.Append(e.Data);
        process.ErrorDataReceived += (_, e) => upstream.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await upstream.WaitListeningAsync();
        return upstream;
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

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitListeningAsync()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (_process.HasExited)
            {
                break;
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        string output;
        lock (_output)
        {
            output = _output.ToString();
        }

        throw new InvalidOperationException($"nginx did not start listening on {Endpoint}: {output}\n{ErrorLog}");
    }
}
