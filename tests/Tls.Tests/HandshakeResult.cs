using System.Net.Security;

namespace FastProxy.Tls.Tests;

/// <summary>Both ends of a test handshake and how each ended.</summary>
internal sealed class HandshakeResult(SslStream server, SslStream client, Exception? serverError, Exception? clientError) : IAsyncDisposable
{
    public SslStream Server { get; } = server;

    public SslStream Client { get; } = client;

    public Exception? ServerError { get; } = serverError;

    public Exception? ClientError { get; } = clientError;

    /// <summary>Set when the handshake completed but the first byte exchange failed (a TLS 1.3 late refusal).</summary>
    public Exception? ExchangeError { get; set; }

    public bool Succeeded => ServerError is null && ClientError is null && ExchangeError is null;

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Client.DisposeAsync();
    }
}
