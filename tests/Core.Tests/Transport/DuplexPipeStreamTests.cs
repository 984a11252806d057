using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Core.Transport;
using FastProxy.Tests.Common;

namespace FastProxy.Core.Tests.Transport;

/// <summary><see cref="DuplexPipeStream"/>: the Stream contract SslStream relies on, and a real TLS session over two socket connections.</summary>
public sealed class DuplexPipeStreamTests
{
    private const int TestTimeout = 60_000;
    private static readonly TimeSpan Step = LoopbackHelpers.StepTimeout;

    [Fact(Timeout = TestTimeout)]
    public async Task ReadAsync_ZeroBytes_WaitsForDataWithoutConsumingIt()
    {
        var pipe = new Pipe();
        var stream = new DuplexPipeStream(pipe.Reader, new Pipe().Writer);
        var zero = stream.ReadAsync(Memory<byte>.Empty).AsTask();
        Assert.False(zero.IsCompleted);

        await pipe.Writer.WriteAsync("abc"u8.ToArray());
        Assert.Equal(0, await zero.WaitAsync(Step));

        var buffer = new byte[10];
        Assert.Equal(3, await stream.ReadAsync(buffer).AsTask().WaitAsync(Step));
        Assert.Equal("abc"u8.ToArray(), buffer[..3]);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ReadAsync_AtTheEndOfInput_ReturnsZero_AndASmallBufferReadsInPieces()
    {
        var pipe = new Pipe();
        var stream = new DuplexPipeStream(pipe.Reader, new Pipe().Writer);
        await pipe.Writer.WriteAsync("hello"u8.ToArray());
        await pipe.Writer.CompleteAsync();

        var buffer = new byte[2];
        Assert.Equal(2, await stream.ReadAsync(buffer));
        Assert.Equal(2, await stream.ReadAsync(buffer));
        Assert.Equal(1, await stream.ReadAsync(buffer));
        Assert.Equal(0, await stream.ReadAsync(buffer));
        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ReadAsync_HonoursItsToken_AndCancelPendingReadThrows()
    {
        var pipe = new Pipe();
        var stream = new DuplexPipeStream(pipe.Reader, new Pipe().Writer);
        using var cts = new CancellationTokenSource();
        var read = stream.ReadAsync(new byte[4], cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Step));

        var second = stream.ReadAsync(new byte[4]).AsTask();
        pipe.Reader.CancelPendingRead();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.WaitAsync(Step));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task WriteAsync_WritesAndFlushes_SyncWriteToo_AndACancelledTokenThrows()
    {
        var pipe = new Pipe();
        var stream = new DuplexPipeStream(new Pipe().Reader, pipe.Writer);
        await stream.WriteAsync("ab"u8.ToArray());
        stream.Write("cd"u8);
        var result = await pipe.Reader.ReadAsync().AsTask().WaitAsync(Step);
        Assert.Equal("abcd"u8.ToArray(), result.Buffer.ToArray());
        pipe.Reader.AdvanceTo(result.Buffer.End);

        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await stream.WriteAsync("x"u8.ToArray(), cts.Token));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SslStream_OverTwoSocketConnections_HandshakesAndCarriesDataBothWays_ThenHalfCloses()
    {
        using var certificate = CreateSelfSignedCertificate();
        var options = new SocketConnectionOptions();
        using var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listen.Bind(LoopbackHelpers.AnyPortV4);
        listen.Listen(1);
        var connect = SocketConnection.ConnectAsync(listen.LocalEndPoint!, Step, options, CancellationToken.None).AsTask();
        using var acceptTimeout = new CancellationTokenSource(Step);
        var accepted = await listen.AcceptAsync(acceptTimeout.Token);
        await using var server = SocketConnection.Create(accepted, options);
        await using var client = await connect;

        await using var serverTls = new SslStream(new DuplexPipeStream(server.TransportInput, server.TransportOutput));
        await using var clientTls = new SslStream(new DuplexPipeStream(client.TransportInput, client.TransportOutput));
        var serverHandshake = serverTls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate });
        await clientTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && string.Equals(presented.GetCertHashString(), certificate.GetCertHashString(), StringComparison.Ordinal),
        }).WaitAsync(Step);
        await serverHandshake.WaitAsync(Step);
        Assert.True(clientTls.IsAuthenticated);

        foreach (var size in new[] { 1, 1000, 16 * 1024, 70_000, 1024 * 1024 })
        {
            await ExchangeAsync(clientTls, serverTls, size);
            await ExchangeAsync(serverTls, clientTls, size);
        }

        // Half close: the client says it is done (close_notify); the server reads the end, then still answers.
        await clientTls.ShutdownAsync().WaitAsync(Step);
        Assert.Equal(0, await serverTls.ReadAsync(new byte[16]).AsTask().WaitAsync(Step));
        await serverTls.WriteAsync("bye"u8.ToArray());
        var bye = new byte[3];
        await clientTls.ReadExactlyAsync(bye).AsTask().WaitAsync(Step);
        Assert.Equal("bye"u8.ToArray(), bye);
    }

    private static async Task ExchangeAsync(Stream from, Stream to, int size)
    {
        var payload = new byte[size];
        Random.Shared.NextBytes(payload);
        var received = new byte[size];
        var read = to.ReadExactlyAsync(received).AsTask();
        await from.WriteAsync(payload).AsTask().WaitAsync(Step);
        await read.WaitAsync(Step);
        Assert.Equal(payload, received);
    }

    /// <summary>Self-signed ECDSA P-256 for localhost, made for this test run only (no key is ever committed).</summary>
    private static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddHours(1));
    }
}
