using FastProxy.Host.Config;

namespace FastProxy.Host.Tests.Config;

public class RouteValidatorTests
{
    private const string Head = "listeners:\n  - address: 127.0.0.1:8080\nclusters:\n  orders: { endpoints: [127.0.0.1:9001] }\nroutes:\n";

    [Fact]
    public void Validate_MissingAndDuplicateIds_Errors()
    {
        var errors = ConfigSamples.Errors(Head + "  - { cluster: orders }\n  - { id: a, cluster: orders }\n  - { id: a, cluster: orders }\n");

        Assert.Equal(2, errors.Count);
        Assert.Equal(6, ConfigSamples.Find(errors, "routes[0].id").Line);
        var duplicate = ConfigSamples.Find(errors, "routes[2].id");
        Assert.Equal(8, duplicate.Line);
        Assert.Contains("also routes[1]", duplicate.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownCluster_SuggestsClosest()
    {
        var error = ConfigSamples.Single(Head + "  - id: a\n    cluster: ordres\n");

        Assert.Equal("routes[0].cluster", error.Path);
        Assert.Equal(7, error.Line);
        Assert.Equal("unknown cluster 'ordres' (did you mean 'orders'?)", error.Message);
    }

    [Fact]
    public void Validate_MissingCluster_Error()
    {
        var error = ConfigSamples.Single(Head + "  - id: a\n");

        Assert.Equal("routes[0].cluster", error.Path);
        Assert.Equal(6, error.Line);
    }

    [Theory]
    [InlineData("orders", "must start with '/'")]
    [InlineData("/orders/*/items", "'*' only as a final")]
    [InlineData("/ord*", "'*' only as a final")]
    [InlineData("/orders?x=1", "printable ASCII")]
    [InlineData("/ordérs", "printable ASCII")]
    [InlineData("/a b", "printable ASCII")]
    public void Validate_BadPathPattern_Error(string path, string message)
    {
        var error = ConfigSamples.Single(Head + $"  - id: a\n    cluster: orders\n    match:\n      path: '{path}'\n");

        Assert.Equal("routes[0].match.path", error.Path);
        Assert.Equal(9, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/**")]
    [InlineData("/orders")]
    [InlineData("/orders/*")]
    [InlineData("/orders/**")]
    public void Validate_GoodPathPattern_NoError(string path)
    {
        Assert.Empty(ConfigSamples.Errors(Head + $"  - id: a\n    cluster: orders\n    match: {{ path: '{path}' }}\n"));
    }

    [Theory]
    [InlineData("api.example.com:443")]
    [InlineData("https://api.example.com")]
    [InlineData("api.*.com")]
    [InlineData("*api.example.com")]
    public void Validate_BadHost_Error(string host)
    {
        var error = ConfigSamples.Single(Head + $"  - id: a\n    cluster: orders\n    match: {{ host: '{host}' }}\n");

        Assert.Equal("routes[0].match.host", error.Path);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("*.example.com")]
    [InlineData("API.example.com")]
    public void Validate_GoodHost_NoError(string host)
    {
        Assert.Empty(ConfigSamples.Errors(Head + $"  - id: a\n    cluster: orders\n    match: {{ host: '{host}' }}\n"));
    }

    [Theory]
    [InlineData("G ET", "not an HTTP token")]
    [InlineData("''", "not an HTTP token")]
    [InlineData("get", "case-sensitive")]
    public void Validate_BadMethod_ErrorAtItem(string method, string message)
    {
        var error = ConfigSamples.Single(Head + $"  - id: a\n    cluster: orders\n    match:\n      methods:\n        - GET\n        - {method}\n");

        Assert.Equal("routes[0].match.methods[1]", error.Path);
        Assert.Equal(11, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ExtensionMethod_Allowed()
    {
        Assert.Empty(ConfigSamples.Errors(Head + "  - { id: a, cluster: orders, match: { methods: [PROPFIND, GET] } }\n"));
    }

    [Fact]
    public void Load_CaseInsensitivePaths_RouteOptionDefaultOff()
    {
        var result = ConfigLoader.LoadFromText(Head + "  - { id: a, cluster: orders, case_insensitive_paths: true }\n  - { id: b, cluster: orders }\n", "f.yaml", isYaml: true);

        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.True(result.Config!.Routes[0].CaseInsensitivePaths);
        Assert.False(result.Config.Routes[1].CaseInsensitivePaths);
    }

    [Fact]
    public void Load_Upgrades_WebSocketByDefaultAndCanBeTurnedOff()
    {
        var result = ConfigLoader.LoadFromText(Head + "  - { id: a, cluster: orders }\n  - { id: b, cluster: orders, upgrades: [] }\n", "f.yaml", isYaml: true);

        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Equal(["websocket"], result.Config!.Routes[0].Upgrades);
        Assert.Empty(result.Config.Routes[1].Upgrades);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("WebSocket")]
    [InlineData("TLS/1.2")]
    public void Validate_UpgradeOtherThanWebSocket_Error(string protocol)
    {
        var error = ConfigSamples.Single(Head + $"  - {{ id: a, cluster: orders, upgrades: [websocket, '{protocol}'] }}\n");

        Assert.Equal("routes[0].upgrades[1]", error.Path);
        Assert.Contains("only 'websocket'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownMode_Error()
    {
        var error = ConfigSamples.Single(Head + "  - { id: a, cluster: orders, mode: shadow }\n");

        Assert.Equal("routes[0].mode", error.Path);
    }

    [Fact]
    public void Validate_UnknownProvider_Error()
    {
        var error = ConfigSamples.Single(Head + "  - { id: a, cluster: orders, providers: [corp] }\nidentity:\n  providers: [ { name: corp2, issuer: x } ]\n");

        Assert.Equal("routes[0].providers[0]", error.Path);
        Assert.Contains("unknown identity provider 'corp'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NoRoutes_Allowed()
    {
        // No route means every request is refused (404): closed, and valid.
        Assert.Empty(ConfigSamples.Errors("listeners:\n  - address: 127.0.0.1:8080\n"));
    }

    [Fact]
    public void Load_GrpcFlag_KeptPerRoute()
    {
        var result = ConfigLoader.LoadFromText(Head + "  - { id: a, cluster: orders, grpc: true }\n  - { id: b, cluster: orders }\n", "f.yaml", isYaml: true);

        Assert.Empty(result.Errors);
        Assert.True(result.Config!.Routes[0].Grpc);
        Assert.False(result.Config.Routes[1].Grpc);
    }

    [Fact]
    public void Load_GrpcNotABoolean_Error()
    {
        var error = ConfigSamples.Single(Head + "  - id: a\n    cluster: orders\n    grpc: maybe\n");

        Assert.Equal("routes[0].grpc", error.Path);
        Assert.Equal(8, error.Line);
    }
}
