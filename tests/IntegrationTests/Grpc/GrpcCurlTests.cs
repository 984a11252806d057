using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests.Grpc;

/// <summary>
/// A gRPC call made by hand with curl: HTTP/2 client -> h2c upstream, and an HTTP/1.1 client -> h2c upstream (only the
/// proxy can bridge that; the test server speaks HTTP/2 only). The body is one length-prefixed EchoRequest
/// { message: "curl" }; the response's trailers (grpc-status) appear in curl's header dump.
/// </summary>
[Trait("Category", "NeedsH2Upstream")]
public sealed class GrpcCurlTests(GrpcProxyFixture fixture, ITestOutputHelper output) : IClassFixture<GrpcProxyFixture>, IDisposable
{
    // gRPC frame: uncompressed (0), length 6, then protobuf field 1 (string) "curl".
    private static readonly byte[] Frame = [0, 0, 0, 0, 6, 0x0a, 4, (byte)'c', (byte)'u', (byte)'r', (byte)'l'];

    private readonly string _directory = Directory.CreateTempSubdirectory("fastproxy-grpc-curl-").FullName;

    public void Dispose()
    {
        if (fixture.Proxy is { } proxy)
        {
            output.WriteLine(proxy.Output);
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Http2Client_H2cUpstream_ReplyAndGrpcStatusTrailer()
    {
        var (dump, body) = await CallAsync("--http2-prior-knowledge");

        Assert.Contains("HTTP/2 200", dump, StringComparison.Ordinal);
        Assert.Contains("grpc-status: 0", dump, StringComparison.Ordinal);
        Assert.Contains("curl", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http11Client_H2cUpstream_ReplyAndGrpcStatusTrailer()
    {
        if (GrpcProxyFixture.Direct)
        {
            return; // the test server speaks HTTP/2 only: the bridge is the proxy's
        }

        var (dump, body) = await CallAsync("--http1.1");

        Assert.Contains("HTTP/1.1 200", dump, StringComparison.Ordinal);
        Assert.Contains("grpc-status: 0", dump, StringComparison.Ordinal);
        Assert.Contains("curl", body, StringComparison.Ordinal);
    }

    private async Task<(string Dump, string Body)> CallAsync(string version)
    {
        var request = Path.Combine(_directory, "request.bin");
        var dump = Path.Combine(_directory, version.TrimStart('-') + ".headers");
        var body = Path.Combine(_directory, version.TrimStart('-') + ".body");
        await File.WriteAllBytesAsync(request, Frame);

        var (exit, text) = await Curl.RunAsync(
            "-sS", version, "-X", "POST",
            "-H", "content-type: application/grpc", "-H", "te: trailers", "-H", "authorization: Bearer " + fixture.Token(),
            "--data-binary", "@" + request, "-D", dump, "-o", body,
            $"{fixture.Address}/echo.Echo/Unary");

        Assert.True(exit == 0, text);
        return (await File.ReadAllTextAsync(dump), await File.ReadAllTextAsync(body));
    }
}
