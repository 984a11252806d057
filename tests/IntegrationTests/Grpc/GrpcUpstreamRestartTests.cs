using FastProxy.GrpcTestServer.Echo;
using Grpc.Core;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests.Grpc;

/// <summary>An upstream that goes away mid-stream and comes back (its own fixture: the restart must not disturb other tests).</summary>
[Trait("Category", "NeedsH2Upstream")]
public sealed class GrpcUpstreamRestartTests(GrpcProxyFixture fixture, ITestOutputHelper output) : IClassFixture<GrpcProxyFixture>, IDisposable
{
    public void Dispose()
    {
        if (fixture.Proxy is { } proxy)
        {
            output.WriteLine(proxy.Output);
        }
    }

    [Fact]
    public async Task UpstreamRestartsMidStream_CallFailsCleanly_NextCallSucceeds()
    {
        var client = fixture.Client();
        using var call = client.ServerStream(new EchoRequest { Responses = 1000, DelayMs = 20 }, fixture.Auth());
        Assert.True(await call.ResponseStream.MoveNext());

        var restart = fixture.RestartServerAsync();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext())
            {
            }
        });
        await restart;

        Assert.True(error.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Cancelled, error.ToString());
        var next = await RetryAsync(() => fixture.Client().UnaryAsync(new EchoRequest { Message = "after" }, fixture.Auth()).ResponseAsync);
        Assert.Equal("after", next.Message);
    }

    /// <summary>The first call after a restart may still meet the old connection's end; a second one must succeed.</summary>
    private static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
        {
            await Task.Delay(200);
            return await call();
        }
    }
}
