using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Core.Transport;
using FastProxy.Tests.Common;
using FastProxy.Tls.Server;

namespace FastProxy.Tls.Tests.Server;

/// <summary>
/// The decrypted pipe a TLS listener puts on a connection, over an in-memory transport with a real SslStream client on
/// the other end: what the handler writes arrives whole and in order, a flush follows the socket, failures reach the
/// right side.
/// </summary>
public sealed class TlsDecryptedPipeTests : IClassFixture<PkiFixture>
{
    private readonly PkiFixture _pki;

    public TlsDecryptedPipeTests(PkiFixture pki) => _pki = pki;

    [Fact]
    public async Task Output_WritesLargerThanARecordInOneFlush_ReachTheClientWholeAndInOrder()
    {
        await using var tls = await TlsPair.StartAsync(_pki);
        var expected = Pattern(100_000);

        // Three writes, the second far beyond the first buffer: the writer grows and one flush sends them all (it ends
        // once the transport took them, more than its 64 KiB buffer: so the client reads meanwhile).
        tls.Pipe.Output.Write(expected.AsSpan(0, 10));
        tls.Pipe.Output.Write(expected.AsSpan(10, 90_000));
        tls.Pipe.Output.Write(expected.AsSpan(90_010));
        var reading = tls.ReadClientAsync(expected.Length);
        var flush = await tls.Pipe.Output.FlushAsync().AsTask().WaitAsync(LoopbackHelpers.StepTimeout);

        Assert.False(flush.IsCompleted);
        Assert.Equal(expected, await reading);
    }

    [Fact]
    public async Task Output_WrittenWhileAFlushWaitsForTheSocket_GoesOutWithTheNextFlushInOrder()
    {
        // A transport that takes 4 KiB before its flush waits for the client to read.
        await using var tls = await TlsPair.StartAsync(_pki, new PipeOptions(pauseWriterThreshold: 4096, resumeWriterThreshold: 2048, useSynchronizationContext: false));
        var first = Pattern(64 * 1024);
        tls.Pipe.Output.Write(first);
        var pending = tls.Pipe.Output.FlushAsync();
        Assert.False(pending.IsCompleted);

        // HTTP/2's flusher writes the next frames while the previous flush still runs.
        tls.Pipe.Output.Write("after"u8);
        var reading = tls.ReadClientAsync(first.Length + 5);
        Assert.False((await pending.AsTask().WaitAsync(LoopbackHelpers.StepTimeout)).IsCompleted);
        Assert.False((await tls.Pipe.Output.FlushAsync().AsTask().WaitAsync(LoopbackHelpers.StepTimeout)).IsCompleted);

        var received = await reading;
        Assert.Equal(first, received.AsSpan(0, first.Length).ToArray());
        Assert.Equal("after"u8.ToArray(), received.AsSpan(first.Length).ToArray());
    }

    [Fact]
    public async Task Output_ClientGone_FlushReportsCompletedAndAbortsTheConnection()
    {
        await using var tls = await TlsPair.StartAsync(_pki);
        tls.Client.Abort();

        tls.Pipe.Output.Write(Pattern(1000));
        var flush = await tls.Pipe.Output.FlushAsync().AsTask().WaitAsync(LoopbackHelpers.StepTimeout);

        Assert.True(flush.IsCompleted);
        Assert.True(tls.Server.IsAborted);
        Assert.True((await tls.Pipe.Output.FlushAsync()).IsCompleted);
    }

    [Fact]
    public async Task Output_CompletedWithAnException_AbortsTheConnection()
    {
        await using var tls = await TlsPair.StartAsync(_pki);

        await tls.Pipe.Output.CompleteAsync(new InvalidOperationException("the handler failed mid-response"));

        Assert.True(tls.Server.IsAborted);
        await Assert.ThrowsAnyAsync<IOException>(async () => await tls.ReadClientAsync(1));
    }

    [Fact]
    public async Task Stop_SendsWhatTheHandlerWroteWithoutFlushing_ThenCloseNotify()
    {
        await using var tls = await TlsPair.StartAsync(_pki);
        tls.Pipe.Output.Write("last words"u8);

        await tls.Pipe.StopAsync();

        Assert.Equal("last words"u8.ToArray(), await tls.ReadClientAsync(10));
        Assert.Equal(0, await tls.ClientSsl.ReadAsync(new byte[1]).AsTask().WaitAsync(LoopbackHelpers.StepTimeout));
    }

    [Fact]
    public async Task ConnectionDisposedByTheHandler_WhileThePumpWaitsForTheClient_ClosesTheTlsLayerFirst()
    {
        // HTTP/1.1 after "Connection: close" or an idle timeout: the handler disposes its connection while the client
        // sends nothing more, so the pump is waiting in a read of the socket.
        await using var tls = await TlsPair.StartAsync(_pki);
        tls.Pipe.Output.Write("last response"u8);
        await tls.Pipe.Output.FlushAsync();

        await tls.Server.DisposeAsync().AsTask().WaitAsync(LoopbackHelpers.StepTimeout);

        // Closing the connection stopped the layer on top: its input is done before the socket went.
        Assert.Throws<InvalidOperationException>(() => tls.Pipe.Input.TryRead(out _));
        // The client gets the response, then close_notify (a clean end, not a truncation), and the middleware's own
        // stop finds the layer stopped instead of waiting for the pump forever.
        Assert.Equal("last response"u8.ToArray(), await tls.ReadClientAsync(13));
        Assert.Equal(0, await tls.ClientSsl.ReadAsync(new byte[1]).AsTask().WaitAsync(LoopbackHelpers.StepTimeout));
        await tls.Pipe.StopAsync().WaitAsync(LoopbackHelpers.StepTimeout);
    }

    [Fact]
    public async Task Input_ClientRecords_ReachTheHandlerDecrypted()
    {
        await using var tls = await TlsPair.StartAsync(_pki);
        var sent = Pattern(40_000);

        await tls.ClientSsl.WriteAsync(sent);
        var received = new ArrayBufferWriter<byte>();
        while (received.WrittenCount < sent.Length)
        {
            var read = await tls.Pipe.Input.ReadAsync().AsTask().WaitAsync(LoopbackHelpers.StepTimeout);
            foreach (var segment in read.Buffer)
            {
                received.Write(segment.Span);
            }

            tls.Pipe.Input.AdvanceTo(read.Buffer.End);
        }

        Assert.Equal(sent, received.WrittenSpan.ToArray());
    }

    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 7 % 251);
        }

        return bytes;
    }

    /// <summary>A handshaken TLS connection over an in-memory pair: the server side wrapped in the pipe under test.</summary>
    private sealed class TlsPair : IAsyncDisposable
    {
        private readonly X509Certificate2 _leaf;
        private readonly SslStream _serverSsl;

        private TlsPair(InMemoryConnection server, InMemoryConnection client, SslStream serverSsl, SslStream clientSsl, TlsDecryptedPipe pipe, X509Certificate2 leaf)
        {
            Server = server;
            Client = client;
            _serverSsl = serverSsl;
            ClientSsl = clientSsl;
            Pipe = pipe;
            _leaf = leaf;
        }

        public InMemoryConnection Server { get; }

        public InMemoryConnection Client { get; }

        public SslStream ClientSsl { get; }

        public TlsDecryptedPipe Pipe { get; }

        public static async Task<TlsPair> StartAsync(PkiFixture pki, PipeOptions? transport = null)
        {
            var leaf = TestPki.CreateLeaf(pki.Root, "api.example.com", new LeafSpec { DnsNames = ["api.example.com"] });
            var (server, client) = InMemoryConnection.CreatePair(pipeOptions: transport);
            var serverSsl = new SslStream(new DuplexPipeStream(server.TransportInput, server.TransportOutput), leaveInnerStreamOpen: true);
            var clientSsl = new SslStream(new DuplexPipeStream(client.TransportInput, client.TransportOutput), leaveInnerStreamOpen: true);
            using var timeout = new CancellationTokenSource(LoopbackHelpers.StepTimeout);
            await Task.WhenAll(
                serverSsl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = leaf }, timeout.Token),
                clientSsl.AuthenticateAsClientAsync(TlsLoopback.ClientTrusting(pki.Root, "api.example.com"), timeout.Token));
            var pipe = new TlsDecryptedPipe(server, serverSsl, new ConnectionSecurity(), MemoryPool<byte>.Shared, TimeProvider.System);
            server.UsePipe(pipe);
            pipe.Start();
            return new TlsPair(server, client, serverSsl, clientSsl, pipe, leaf);
        }

        public async Task<byte[]> ReadClientAsync(int length)
        {
            var bytes = new byte[length];
            await ClientSsl.ReadExactlyAsync(bytes).AsTask().WaitAsync(LoopbackHelpers.StepTimeout);
            return bytes;
        }

        public async ValueTask DisposeAsync()
        {
            Server.Abort();
            await Pipe.StopAsync().WaitAsync(LoopbackHelpers.StepTimeout);
            await _serverSsl.DisposeAsync();
            await ClientSsl.DisposeAsync();
            await Server.DisposeAsync();
            await Client.DisposeAsync();
            _leaf.Dispose();
        }
    }
}
