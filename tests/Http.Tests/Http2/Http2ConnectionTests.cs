using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.Streams;

namespace FastProxy.Http.Tests.Http2;

/// <summary>The connection's happy paths: preface and SETTINGS, requests and responses, bodies, trailers, PING, GOAWAY.</summary>
public sealed class Http2ConnectionTests
{
    [Fact]
    public async Task Handshake_ServerSendsSettingsFirst_WithItsLimits()
    {
        await using var server = Http2TestServer.Start(options: new Http2ConnectionOptions { MaxConcurrentStreams = 7, InitialStreamWindowSize = 100_000 });
        await server.Client.HandshakeAsync();

        Assert.Equal(7u, server.Client.ServerSettings[Http2SettingsParameter.MaxConcurrentStreams]);
        Assert.Equal(100_000u, server.Client.ServerSettings[Http2SettingsParameter.InitialWindowSize]);
        Assert.Equal((uint)new Http2ConnectionOptions().MaxHeaderListSize, server.Client.ServerSettings[Http2SettingsParameter.MaxHeaderListSize]);
    }

    [Fact]
    public async Task Get_EchoHandler_Returns200WithFieldsAndEmptyBody()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get("/a/b?x=1", "example.com:8443", ("x-echo", "hi")));

        var response = await server.Client.ReadResponseAsync(1);

        Assert.Equal(200, response.Status);
        Assert.Equal("GET", response.Field("x-method"));
        Assert.Equal("/a/b", response.Field("x-path"));
        Assert.Equal("x=1", response.Field("x-query"));
        Assert.Equal("example.com", response.Field("x-host"));
        Assert.Equal("hi", response.Field("x-echo"));
        Assert.Equal("1", response.Field("x-field-count"));
        Assert.Empty(response.Body);
    }

    [Fact]
    public async Task Response_FieldNames_AreLowercasedAndConnectionSpecificFieldsDropped()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());

        var response = await server.Client.ReadResponseAsync(1);

        Assert.Contains(response.Fields!, f => string.Equals(f.Name, "x-field-count", StringComparison.Ordinal));
        Assert.DoesNotContain(response.Fields!, f => string.Equals(f.Name, "connection", StringComparison.Ordinal));
        Assert.All(response.Fields!, f => Assert.Equal(f.Name, f.Name.ToLowerInvariant()));
    }

    [Fact]
    public async Task Post_BodyAndTrailers_AreEchoedBack()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: false, Http2TestClient.Post("/upload", extra: ("content-length", "11")));
        await server.Client.SendDataAsync(1, "hello "u8.ToArray(), endStream: false);
        await server.Client.SendDataAsync(1, "world"u8.ToArray(), endStream: false, padLength: 5);
        await server.Client.SendHeadersAsync(1, endStream: true, ("x-checksum", "abc"));

        var response = await server.Client.ReadResponseAsync(1);

        Assert.Equal(200, response.Status);
        Assert.Equal("hello world", response.BodyText);
        Assert.Equal([("x-checksum", "abc")], response.Trailers);
    }

    [Fact]
    public async Task ConcurrentStreams_AreServedIndependently()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        for (var id = 1; id <= 19; id += 2)
        {
            await server.Client.SendHeadersAsync(id, endStream: false, Http2TestClient.Post($"/s{id}"));
        }

        for (var id = 19; id >= 1; id -= 2)
        {
            await server.Client.SendDataAsync(id, Encoding.ASCII.GetBytes($"body{id}"), endStream: true);
        }

        for (var id = 1; id <= 19; id += 2)
        {
            var response = await server.Client.ReadResponseAsync(id);
            Assert.Equal($"body{id}", response.BodyText);
            Assert.Equal($"/s{id}", response.Field("x-path"));
        }
    }

    [Fact]
    public async Task Ping_IsAnsweredWithAckAndSamePayload()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendPingAsync(0x0102030405060708);

        var ack = await server.Client.ExpectAsync(Http2FrameType.Ping);

        Assert.Equal(Http2FrameFlags.Ack, ack.Flags);
        Assert.Equal(0x0102030405060708ul, BinaryPrimitives.ReadUInt64BigEndian(ack.Payload));
    }

    [Fact]
    public async Task Settings_FromClient_AreAcknowledged()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendSettingsAsync((Http2SettingsParameter.MaxFrameSize, 32_768));

        var ack = await server.Client.ExpectAsync(Http2FrameType.Settings);

        Assert.Equal(Http2FrameFlags.Ack, ack.Flags);
        Assert.Empty(ack.Payload);
    }

    [Fact]
    public async Task Priority_OnIdleStream_IsTolerated()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        Http2FrameWriter.WritePriority(server.Client.Output, 9, 0, exclusive: false, weight: 16);
        await server.Client.FlushAsync();
        await server.Client.SendHeadersAsync(11, endStream: true, Http2TestClient.Get());

        Assert.Equal(200, (await server.Client.ReadResponseAsync(11)).Status);
    }

    [Fact]
    public async Task UnknownFrameType_IsIgnored()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendRawAsync((Http2FrameType)0xEE, 0, 0, [1, 2, 3]);
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());

        Assert.Equal(200, (await server.Client.ReadResponseAsync(1)).Status);
    }

    [Fact]
    public async Task HeadersWithContinuation_AreJoinedBeforeDecoding()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        var block = server.Client.Encode(Http2TestClient.Get("/cont", extra: ("x-echo", new string('v', 300))));
        Http2FrameWriter.WriteRaw(server.Client.Output, Http2FrameType.Headers, Http2FrameFlags.EndStream, 1, block.AsSpan(..10));
        Http2FrameWriter.WriteRaw(server.Client.Output, Http2FrameType.Continuation, 0, 1, block.AsSpan(10..100));
        Http2FrameWriter.WriteRaw(server.Client.Output, Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 1, block.AsSpan(100..));
        await server.Client.FlushAsync();

        var response = await server.Client.ReadResponseAsync(1);

        Assert.Equal("/cont", response.Field("x-path"));
        Assert.Equal(new string('v', 300), response.Field("x-echo"));
    }

    [Fact]
    public async Task ExpectContinue_HandlerSends100BeforeFinalResponse()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: false, Http2TestClient.Post(extra: ("expect", "100-continue")));

        var interim = await server.Client.ExpectAsync(Http2FrameType.Headers, f => f.StreamId == 1);
        Assert.Equal("100", interim.Fields!.Single(f => string.Equals(f.Name, ":status", StringComparison.Ordinal)).Value);
        Assert.False(interim.EndStream);

        await server.Client.SendDataAsync(1, "x"u8.ToArray(), endStream: true);
        var response = await server.Client.ReadResponseAsync(1);
        Assert.Equal(200, response.Status);
        Assert.Equal("x", response.BodyText);
    }

    [Fact]
    public async Task RequestView_ExposesPseudoHeadersFieldsAndCaseInsensitiveLookup()
    {
        var seen = new TaskCompletionSource<string>();
        var handler = new ScriptedHandler(async stream =>
        {
            var text = $"{Encoding.ASCII.GetString(stream.MethodBytes)} {Encoding.ASCII.GetString(stream.Scheme)} "
                + $"{Encoding.ASCII.GetString(stream.ForwardedAuthority)} {Encoding.ASCII.GetString(stream.Host)} "
                + $"{Encoding.ASCII.GetString(stream.Path)} {stream.FieldCount} {stream.Count("X-Dup"u8)} "
                + $"{stream.TryGetFirst("X-DUP"u8, out var dup)} {Encoding.ASCII.GetString(dup)} {stream.HasBody} {stream.DeclaredBodyLength} {stream.StreamId}";
            stream.GetField(0, out var name, out _);
            seen.SetResult(text + " " + Encoding.ASCII.GetString(name));
            await stream.WriteResponseHeadAsync(204, endStream: true);
        });
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler);
        await server.Client.SendHeadersAsync(3, endStream: true, Http2TestClient.Get("/p", "h.example:81", ("x-dup", "1"), ("x-dup", "2")));

        Assert.Equal(204, (await server.Client.ReadResponseAsync(3)).Status);
        Assert.Equal("GET http h.example:81 h.example /p 2 2 True 1 False -1 3 x-dup", await seen.Task);
    }

    [Fact]
    public async Task HostField_WithoutAuthority_IsTheAuthority()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: true, (":method", "GET"), (":scheme", "http"), (":path", "/"), ("host", "h.example"));

        Assert.Equal("h.example", (await server.Client.ReadResponseAsync(1)).Field("x-host"));
    }

    [Fact]
    public async Task ClientGoAway_OpenStreamsFinish_ThenConnectionCloses()
    {
        var release = new TaskCompletionSource();
        var handler = new ScriptedHandler(async stream =>
        {
            await release.Task;
            await stream.WriteResponseHeadAsync(200, endStream: true);
        });
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler);
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        Http2FrameWriter.WriteGoAway(server.Client.Output, 0, Http2ErrorCode.NoError);
        await server.Client.FlushAsync();
        release.SetResult();

        Assert.Equal(200, (await server.Client.ReadResponseAsync(1)).Status);
        Assert.True(await server.Client.ClosedAsync());
    }

    [Fact]
    public async Task Shutdown_SendsGoAwayNoError_FinishesOpenStream_ThenCloses()
    {
        var started = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var handler = new ScriptedHandler(async stream =>
        {
            started.SetResult();
            await release.Task;
            await stream.WriteResponseHeadAsync(200, endStream: true);
        });
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler);
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        await started.Task;

        server.Shutdown();
        var (lastStreamId, code) = await server.Client.ExpectGoAwayAsync();
        release.SetResult();

        Assert.Equal(1, lastStreamId);
        Assert.Equal(Http2ErrorCode.NoError, code);
        Assert.Equal(200, (await server.Client.ReadResponseAsync(1)).Status);
        Assert.True(await server.Client.ClosedAsync());
    }

    [Fact]
    public async Task Shutdown_IdleConnection_GoAwayAndClose()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        server.Shutdown();

        var (lastStreamId, code) = await server.Client.ExpectGoAwayAsync();

        Assert.Equal(0, lastStreamId);
        Assert.Equal(Http2ErrorCode.NoError, code);
        Assert.True(await server.Client.ClosedAsync());
    }

    [Fact]
    public async Task TransportDrain_IdleConnection_GoAwayNoErrorAndClose()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        await server.Client.ReadResponseAsync(1);
        await Task.Delay(50);

        // What the listener does to every connection when it stops.
        server.Server.BeginDrain();

        Assert.Equal((1, Http2ErrorCode.NoError), await server.Client.ExpectGoAwayAsync());
        Assert.True(await server.Client.ClosedAsync());
    }

    [Fact]
    public async Task ClientReset_CancelsAbortedTokenAndFailsBodyRead()
    {
        var outcome = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler(async stream =>
        {
            if (stream.StreamId != 1)
            {
                await new EchoHandler().HandleAsync(stream);
                return;
            }

            try
            {
                while (true)
                {
                    var result = await stream.RequestBody.ReadAsync(CancellationToken.None);
                    stream.RequestBody.AdvanceTo(result.Buffer.End);
                }
            }
            catch (Http2StreamAbortedException ex)
            {
                outcome.SetResult($"{ex.ErrorCode} {stream.Aborted.IsCancellationRequested}");
            }
        });
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler);
        await server.Client.SendHeadersAsync(1, endStream: false, Http2TestClient.Post());
        await server.Client.SendRstStreamAsync(1, Http2ErrorCode.Cancel);

        Assert.Equal("Cancel True", await outcome.Task.WaitAsync(TimeSpan.FromSeconds(10)));

        // The connection goes on.
        await server.Client.SendHeadersAsync(3, endStream: true, Http2TestClient.Get());
        Assert.Equal(200, (await server.Client.ReadResponseAsync(3)).Status);
    }

    [Fact]
    public async Task HandlerThrows_StreamResetWithInternalError_ConnectionGoesOn()
    {
        var handler = new ScriptedHandler(stream => stream.StreamId == 1 ? throw new InvalidOperationException("boom") : new EchoHandler().HandleAsync(stream));
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler);
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());

        Assert.Equal(Http2ErrorCode.InternalError, await server.Client.ExpectRstStreamAsync(1));

        await server.Client.SendHeadersAsync(3, endStream: true, Http2TestClient.Get());
        Assert.Equal(200, (await server.Client.ReadResponseAsync(3)).Status);
    }

    [Fact]
    public async Task HandlerEndsWithoutResponse_StreamResetWithInternalError()
    {
        var handler = new ScriptedHandler(stream => ValueTask.CompletedTask);
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler);
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());

        Assert.Equal(Http2ErrorCode.InternalError, await server.Client.ExpectRstStreamAsync(1));
    }

    [Fact]
    public async Task HandlerEndsAfterResponse_WhileBodyStillOpen_ResetsWithNoError()
    {
        var handler = new ScriptedHandler(stream => stream.WriteResponseHeadAsync(200, endStream: true));
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler);
        await server.Client.SendHeadersAsync(1, endStream: false, Http2TestClient.Post());

        Assert.Equal(200, (await server.Client.ReadResponseAsync(1)).Status);
        Assert.Equal(Http2ErrorCode.NoError, await server.Client.ExpectRstStreamAsync(1));
    }

    [Fact]
    public async Task HandlerReset_SendsRstStreamWithItsCode()
    {
        var handler = new ScriptedHandler(async stream =>
        {
            await stream.WriteResponseHeadAsync(200, endStream: false);
            stream.Reset(Http2ErrorCode.Cancel);
        });
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler);
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());

        var response = await server.Client.ReadResponseAsync(1);

        Assert.Equal(Http2ErrorCode.Cancel, response.Reset);
    }

    [Fact]
    public async Task Trailers_FromHandler_SentAsHeadersWithEndStream()
    {
        var handler = new ScriptedHandler(async stream =>
        {
            await stream.WriteResponseHeadAsync(200, endStream: false);
            await stream.WriteDataAsync(new ReadOnlySequence<byte>("abc"u8.ToArray()), endStream: false);
            stream.AddResponseField("grpc-status"u8, "0"u8);
            Assert.True(await stream.CompleteResponseAsync());
        });
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler);
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());

        var response = await server.Client.ReadResponseAsync(1);

        Assert.Equal("abc", response.BodyText);
        Assert.Equal([("grpc-status", "0")], response.Trailers);
    }
}
