using System.Net;
using System.Threading.Channels;
using FastProxy.Core.Transport;
using FastProxy.Core.Upstream;
using FastProxy.Http.Http2;
using FastProxy.Tests.Common;

namespace FastProxy.Http.Tests.Http2.Client;

/// <summary>
/// A connector whose connections end at the test: each accepted server side is handed over raw, to be scripted frame by
/// frame (misbehaving upstreams). <see cref="AcceptAsync"/> reads the client preface and answers with SETTINGS.
/// </summary>
internal sealed class ScriptedHttp2Upstream : IUpstreamConnector, IAsyncDisposable
{
    private readonly Channel<InMemoryConnection> _accepted = Channel.CreateUnbounded<InMemoryConnection>();
    private readonly List<Http2TestClient> _peers = [];

    public ValueTask<TransportConnection> ConnectAsync(EndPoint endpoint, TimeSpan connectTimeout, CancellationToken ct)
    {
        var (server, client) = InMemoryConnection.CreatePair();
        _accepted.Writer.TryWrite(server);
        return new ValueTask<TransportConnection>(client);
    }

    /// <summary>The next connection's server side, before anything was read from it.</summary>
    public async Task<InMemoryConnection> AcceptRawAsync() =>
        await _accepted.Reader.ReadAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>The next connection, preface read and checked, our SETTINGS sent (and the client's SETTINGS left to read).</summary>
    public async Task<Http2TestClient> AcceptAsync(params (Http2SettingsParameter, uint)[] settings)
    {
        var server = await AcceptRawAsync();
        var input = server.Input;
        var read = await input.ReadAtLeastAsync(Http2Preface.Length).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(Http2Preface.TryRead(read.Buffer, out var consumed) == Http2ReadStatus.Complete, "client preface");
        input.AdvanceTo(consumed);
        var peer = new Http2TestClient(server);
        _peers.Add(peer);
        await peer.SendSettingsAsync(settings);
        var clientSettings = await peer.ExpectAsync(Http2FrameType.Settings, f => (f.Flags & Http2FrameFlags.Ack) == 0);
        Assert.Equal(Http2FrameType.Settings, clientSettings.Type);
        return peer;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var peer in _peers)
        {
            await peer.DisposeAsync();
        }
    }
}
