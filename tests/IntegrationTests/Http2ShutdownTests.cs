using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// Graceful shutdown with an HTTP/2 request in flight: SIGTERM makes the connection send GOAWAY NO_ERROR naming the
/// streams it took, the request in flight completes, a stream opened after the GOAWAY is never answered, and the
/// process exits 0.
/// </summary>
public sealed class Http2ShutdownTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestUpstream _upstream = null!;
    private ProxyProcess _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await TestUpstream.StartAsync();
        _proxy = await ProxyProcess.StartAsync(TestConfigs.PublicProxy(_upstream.Endpoint)
            .Replace("""{ "address": "127.0.0.1:0" }""", """{ "address": "127.0.0.1:0", "protocol": "h2c" }""", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_proxy.Output);
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Sigterm_WithStreamInFlight_StreamCompletes_NewStreamIgnored_ExitsZero()
    {
        // The client sends SIGTERM itself half a second after the request: it is then waiting on the upstream.
        var result = await PythonH2.DrainAsync(_proxy.BaseAddress.Port, _proxy.Pid, TimeSpan.FromMilliseconds(500),
            PythonH2.Stream("GET", "/delay/1500", "app"),
            PythonH2.Stream("GET", "/hello", "app"));
        output.WriteLine(result.Raw);

        var inFlight = result.Stream(1);
        Assert.True(inFlight.Status == 200 && inFlight.Ended, "the request in flight did not complete:\n" + result.Raw);
        Assert.Equal("delayed", inFlight.Body);
        Assert.Equal(0, result.GoAwayCode);
        Assert.Equal(1, result.GoAwayLastStreamId);
        Assert.NotNull(result.Property("late_stream"));
        Assert.Null(result.Property("unexpected_stream_event"));
        Assert.Null(result.Property("client_error"));
        Assert.True(result.Closed, "the connection was not closed after its last stream:\n" + result.Raw);
        Assert.Equal(0, await _proxy.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }
}
