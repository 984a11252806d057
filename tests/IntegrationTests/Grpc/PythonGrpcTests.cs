using System.Text.Json.Nodes;
using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests.Grpc;

/// <summary>
/// The same gRPC scenario with python3-grpcio (Debian) as the client: its own HTTP/2 stack (C core), so the proxy is
/// judged by two independent clients. Needs the proxy's HTTP/2 upstream side; FASTPROXY_GRPC_DIRECT=1 runs the call
/// shapes against the test server directly.
/// </summary>
[Trait("Category", "NeedsH2Upstream")]
public sealed class PythonGrpcTests(GrpcProxyFixture fixture, ITestOutputHelper output) : IClassFixture<GrpcProxyFixture>, IDisposable
{
    public void Dispose()
    {
        if (fixture.Proxy is { } proxy)
        {
            output.WriteLine(proxy.Output);
        }
    }

    [Fact]
    public async Task Unary_Allowed_Ok()
    {
        var result = await CallAsync("unary", new JsonObject { ["message"] = "py", ["payload_size"] = 32 });

        Assert.Equal("OK", (string?)result["code"]);
        Assert.Equal("py", (string?)result["messages"]![0]);
        Assert.Equal(32, (int)result["payload_bytes"]!);
    }

    [Fact]
    public async Task ServerStream_ManyReplies_AllArrive()
    {
        var result = await CallAsync("server_stream", new JsonObject { ["message"] = "s", ["responses"] = 150, ["payload_size"] = 64 });

        Assert.Equal("OK", (string?)result["code"]);
        Assert.Equal(150, (int)result["replies"]!);
        Assert.Equal(150 * 64, (int)result["payload_bytes"]!);
    }

    [Fact]
    public async Task ClientStream_ManyRequests_AllCounted()
    {
        var result = await CallAsync("client_stream", new JsonObject { ["message"] = "c", ["payload_len"] = 16 }, count: 150);

        Assert.Equal("OK", (string?)result["code"]);
        Assert.Equal(150, (int)result["received"]!);
    }

    [Fact]
    public async Task Bidi_ManyEachWay_AllAnswered()
    {
        var result = await CallAsync("bidi", new JsonObject { ["message"] = "b", ["payload_len"] = 16, ["payload_size"] = 16 }, count: 150);

        Assert.Equal("OK", (string?)result["code"]);
        Assert.Equal(150, (int)result["replies"]!);
        Assert.Equal(150, (int)result["received"]!);
    }

    [Fact]
    public async Task OneMegabyte_EachWay_Ok()
    {
        var result = await CallAsync("unary", new JsonObject { ["payload_len"] = 1024 * 1024, ["payload_size"] = 1024 * 1024 });

        Assert.Equal("OK", (string?)result["code"]);
        Assert.Equal(1024 * 1024, (int)result["payload_bytes"]!);
    }

    [Fact]
    public async Task MetadataTextAndBin_EchoedAsHeadersAndTrailers()
    {
        var result = await CallAsync("unary", new JsonObject { ["echo_metadata"] = true }, metadata: [["x-echo-py", "v1"], ["x-echo-raw-bin", "00ff10"]]);

        Assert.Equal("OK", (string?)result["code"]);
        var initial = result["initial_metadata"]!.ToJsonString();
        var trailing = result["trailing_metadata"]!.ToJsonString();
        Assert.Contains("[\"x-echo-py\",\"v1\"]", initial, StringComparison.Ordinal);
        Assert.Contains("[\"x-echo-raw-bin\",\"00ff10\"]", initial, StringComparison.Ordinal);
        Assert.Contains("[\"x-echo-py-t\",\"v1\"]", trailing, StringComparison.Ordinal);
        Assert.Contains("[\"x-echo-raw-t-bin\",\"00ff10\"]", trailing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamSlowerThanDeadline_DeadlineExceeded()
    {
        var result = await CallAsync("unary", new JsonObject { ["delay_ms"] = 5000 }, timeout: 0.5);

        Assert.Equal("DEADLINE_EXCEEDED", (string?)result["code"]);
    }

    [Fact]
    public async Task UpstreamStatus_Relayed()
    {
        var result = await CallAsync("unary", new JsonObject { ["fail_status"] = 9, ["fail_message"] = "precondition" });

        Assert.Equal("FAILED_PRECONDITION", (string?)result["code"]);
        Assert.Equal("precondition", (string?)result["details"]);
    }

    [Theory]
    [InlineData(null, "UNAUTHENTICATED")]
    [InlineData("writer", "PERMISSION_DENIED")]
    public async Task Refused_TheGrpcWay(string? role, string code)
    {
        if (GrpcProxyFixture.Direct)
        {
            return; // the test server has no gate
        }

        var result = await CallAsync("unary", new JsonObject { ["message"] = "x" }, role: role);

        Assert.Equal(code, (string?)result["code"]);
        Assert.False(string.IsNullOrEmpty((string?)result["details"]));
    }

    [Fact]
    public async Task CallsPastTheConnectionsRequestRate_ResourceExhausted()
    {
        if (GrpcProxyFixture.Direct)
        {
            return; // the test server has no rate limit
        }

        // Three bursts' worth of calls back to back on one channel (one HTTP/2 connection): the first burst passes,
        // the calls past it are refused the gRPC way, never as an HTTP 429 the client would call a transport error.
        var burst = 2 * GrpcProxyFixture.RequestsPerConnectionPerSecond;
        var result = await CallAsync("unary", new JsonObject { ["message"] = "r" }, repeat: 3 * burst);

        var codes = result["codes"]!.AsArray().Select(c => (string)c!).ToList();
        output.WriteLine(string.Join(' ', codes));
        Assert.All(codes.Take(burst), c => Assert.Equal("OK", c));
        Assert.Contains("RESOURCE_EXHAUSTED", codes, StringComparer.Ordinal);
        Assert.All(codes, c => Assert.True(c is "OK" or "RESOURCE_EXHAUSTED", c));
    }

    private Task<JsonObject> CallAsync(string shape, JsonObject request, int count = 1, string[][]? metadata = null, double timeout = 15, string? role = "reader", int repeat = 1)
    {
        var pairs = new JsonArray();
        if (role is not null)
        {
            pairs.Add(new JsonArray("authorization", "Bearer " + fixture.Token(role)));
        }

        foreach (var pair in metadata ?? [])
        {
            pairs.Add(new JsonArray(pair[0], pair[1]));
        }

        return PythonGrpc.CallAsync(fixture.Port, new JsonObject
        {
            ["shape"] = shape,
            ["request"] = request,
            ["count"] = count,
            ["metadata"] = pairs,
            ["timeout"] = timeout,
            ["repeat"] = repeat,
        });
    }
}
