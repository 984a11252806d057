using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace FastProxy.Tls.Tests.Client;

/// <summary>
/// An in-process TLS upstream on a loopback ephemeral port: SslStream server with the given options, then a line
/// protocol ("ping\n" is answered "pong\n") until the client closes. <c>silent</c>: accepts TCP and never answers
/// (a stalled handshake). Records what the tests assert on: connections accepted, the client certificate seen,
/// the negotiated protocol, and whether each connection ended with close_notify.
/// </summary>
internal sealed class TestTlsUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly SslServerAuthenticationOptions? _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly List<Socket> _silent = [];
    private readonly Task _accepting;
    private int _accepted;

    public TestTlsUpstream(SslServerAuthenticationOptions? options)
    {
        _options = options;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public int Accepted => Volatile.Read(ref _accepted);

    public X509Certificate2? ClientCertificate { get; private set; }

    public System.Security.Authentication.SslProtocols? Protocol { get; private set; }

    /// <summary>Completes when a connection ended: true with a clean TLS close (close_notify), false otherwise.</summary>
    public TaskCompletionSource<bool> FirstClosed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static SslServerAuthenticationOptions Options(X509Certificate2 certificate, X509Certificate2Collection intermediates, X509Certificate2? clientRoot = null)
    {
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, intermediates, offline: true),
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        };
        if (clientRoot is not null)
        {
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.Add(clientRoot);
            options.ClientCertificateRequired = true;
            options.CertificateChainPolicy = policy;
            options.RemoteCertificateValidationCallback = (_, _, _, errors) => errors == SslPolicyErrors.None;
        }

        return options;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var socket in _silent)
        {
            socket.Dispose();
        }

        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            Interlocked.Increment(ref _accepted);
            if (_options is null)
            {
                _silent.Add(socket);
                continue;
            }

            lock (_connections)
            {
                _connections.Add(ServeAsync(socket));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        var clean = false;
        try
        {
            await ssl.AuthenticateAsServerAsync(_options!, _stop.Token);
            Protocol = ssl.SslProtocol;
            if (ssl.RemoteCertificate is { } remote)
            {
                ClientCertificate = new X509Certificate2(remote);
            }

            var buffer = new byte[256];
            var line = new StringBuilder();
            while (true)
            {
                var read = await ssl.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    clean = true;
                    break;
                }

                line.Append(Encoding.ASCII.GetString(buffer, 0, read));
                while (line.ToString().IndexOf('\n', StringComparison.Ordinal) is var end and >= 0)
                {
                    line.Remove(0, end + 1);
                    await ssl.WriteAsync("pong\n"u8.ToArray(), _stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
        }

        FirstClosed.TrySetResult(clean);
    }
}
