using System.Text.Json;
using FastProxy.Host.Cli;
using FastProxy.Host.Config;

namespace FastProxy.Host.Tests.Config;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fastproxy-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void LoadFromText_SameDocumentInYamlAndJson_IdenticalConfig()
    {
        var yaml = ConfigLoader.LoadFromText(ConfigSamples.FullYaml, "f.yaml", isYaml: true);
        var json = ConfigLoader.LoadFromText(ConfigSamples.FullJson, "f.json", isYaml: false);

        Assert.True(yaml.Success, string.Join("\n", yaml.Errors));
        Assert.True(json.Success, string.Join("\n", json.Errors));
        Assert.Equal(Serialize(json.Config!), Serialize(yaml.Config!));
    }

    [Fact]
    public void LoadFromText_FullYaml_BindsEverySection()
    {
        var config = Load(ConfigSamples.FullYaml);

        Assert.Equal(["127.0.0.1:8080", "[::1]:8081"], config.Listeners.Select(l => l.Address).ToArray());
        Assert.Equal(500, config.Limits.MaxConnections);
        Assert.Equal(0, config.Limits.MaxBodyBytes);
        Assert.Equal(2.5, config.Timeouts.HeaderSeconds);
        Assert.Equal(0, config.Timeouts.DrainSeconds);
        Assert.Equal(BalanceModes.LeastRequests, config.Clusters["orders"].Balance);
        Assert.Equal(["127.0.0.1:9001", "localhost:9002"], config.Clusters["orders"].Endpoints);
        Assert.Equal("https://idp.example.com", config.Identity.Providers[0].Issuer);
        Assert.True(config.Identity.Providers[0].Discovery);
        Assert.Equal(500, config.Identity.TokenCache.Size);
        Assert.Equal(["GET", "HEAD"], config.Routes[0].Match.Methods);
        Assert.Equal("orders.read", config.Routes[0].Allow[0].Contains);
        Assert.Equal("42", config.Routes[0].Allow[1].EqualsValue);
        Assert.Equal("audit", config.Routes[1].Mode);
        Assert.True(config.Routes[1].Public);
        Assert.Equal("127.0.0.1:9901", config.Admin.Address);
        Assert.Equal("debug", config.Log.Level);
        Assert.Equal(JsonValueKind.Object, config.Tests[0].Claims!.Value.ValueKind);
        Assert.Equal("allow", config.Tests[0].Expect);
    }

    [Fact]
    public void LoadFromText_KeysLeftOut_ModelDefaultsKept()
    {
        var config = Load(ConfigSamples.MinimalYaml + """
            identity:
              providers:
                - { name: corp, issuer: https://idp.example.com }
            """);

        var route = config.Routes[0];
        Assert.Equal("enforce", route.Mode);
        Assert.Equal("/**", route.Match.Path);
        Assert.Empty(route.Allow);
        Assert.True(route.UpstreamIdentity.ForwardAuthorization);
        var provider = config.Identity.Providers[0];
        Assert.Equal(["RS256"], provider.Algorithms);
        Assert.Equal(30, provider.ClockSkewSeconds);
        Assert.Equal(8192, config.Identity.Token.MaxBytes);
        Assert.Equal(10_000, config.Identity.TokenCache.Size);
        Assert.Equal(new LimitsConfig(), config.Limits);
        Assert.Equal(new TimeoutsConfig(), config.Timeouts);
        Assert.Equal(ListenerProtocols.Http1, config.Listeners[0].Protocol);
        Assert.Equal(512, config.Clusters["app"].MaxConnectionsPerEndpoint);
        Assert.Equal("information", config.Log.Level);
        Assert.Null(config.Admin.Address);
    }

    [Fact]
    public void LoadFromText_ExplicitNullValue_TakesDefault()
    {
        var config = Load(ConfigSamples.MinimalYaml + "limits:\nlog: ~\n");

        Assert.Equal(new LimitsConfig(), config.Limits);
        Assert.Equal("information", config.Log.Level);
    }

    [Fact]
    public void LoadFromText_NullListItem_ErrorWithPathAndLine()
    {
        var error = ConfigSamples.Single("listeners:\n  - address: 127.0.0.1:8080\n  -\n");

        Assert.Equal("listeners[1]", error.Path);
        Assert.Equal(3, error.Line);
        Assert.Contains("empty list item", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFromText_UnknownKey_ErrorNamesKeyPathAndLine()
    {
        var error = ConfigSamples.Single(ConfigSamples.MinimalYaml + "    alow:\n      - { scope: x }\n");

        Assert.Equal("routes[0].alow", error.Path);
        Assert.Equal(8, error.Line);
        Assert.Equal("unknown key 'alow'", error.Message);
        Assert.Equal("fastproxy.yaml: routes[0].alow: unknown key 'alow' (line 8)", error.ToString());
    }

    [Fact]
    public void LoadFromText_UnknownKeyInRule_PathReachesIntoRule()
    {
        var error = ConfigSamples.Single(ConfigSamples.MinimalYaml + "    allow:\n      - claim: roles\n        equal: admin\n");

        Assert.Equal("routes[0].allow[0].equal", error.Path);
        Assert.Equal(10, error.Line);
    }

    [Fact]
    public void LoadFromText_UnknownKeyInJson_ErrorWithLine()
    {
        var result = ConfigLoader.LoadFromText("{\n  \"listeners\": [],\n  \"limts\": {}\n}", "f.json", isYaml: false);

        var error = Assert.Single(result.Errors);
        Assert.Equal("limts", error.Path);
        Assert.Equal(3, error.Line);
        Assert.Equal("f.json", error.File);
    }

    [Theory]
    [InlineData("limits:\n  max_connections: lots\n", "limits.max_connections", "expected a number")]
    [InlineData("limits:\n  max_connections: 1.5\n", "limits.max_connections", "whole number")]
    [InlineData("limits:\n  max_connections: 99999999999\n", "limits.max_connections", "whole number")]
    [InlineData("timeouts:\n  idle_seconds: [1]\n", "timeouts.idle_seconds", "expected a number")]
    [InlineData("routes:\n  - public: maybe\n", "routes[0].public", "expected true or false")]
    [InlineData("listeners: 5\n", "listeners", "expected a list")]
    [InlineData("clusters:\n  a: [1]\n", "clusters.a", "expected a mapping")]
    [InlineData("listeners:\n  - address: [1]\n", "listeners[0].address", "expected a single value")]
    public void LoadFromText_WrongType_ErrorSaysWhatWasExpected(string yaml, string path, string expected)
    {
        var error = ConfigSamples.Single(yaml);

        Assert.Equal(path, error.Path);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Line);
    }

    [Fact]
    public void LoadFromText_ManyProblems_AllReported()
    {
        var errors = ConfigSamples.Errors("""
            listeners:
              - address: localhost:8080
            limits:
              max_header_bytes: 10
            timeouts:
              idle_seconds: -1
            clusters:
              app: { endpoints: [] }
            routes:
              - id: r1
                cluster: ap
            log:
              level: loud
            """);

        Assert.Equal(6, errors.Count);
        Assert.Equal(2, ConfigSamples.Find(errors, "listeners[0].address").Line);
        Assert.Equal(4, ConfigSamples.Find(errors, "limits.max_header_bytes").Line);
        Assert.Equal(6, ConfigSamples.Find(errors, "timeouts.idle_seconds").Line);
        Assert.Equal(8, ConfigSamples.Find(errors, "clusters.app.endpoints").Line);
        Assert.Equal(11, ConfigSamples.Find(errors, "routes[0].cluster").Line);
        Assert.Equal(13, ConfigSamples.Find(errors, "log.level").Line);
    }

    [Fact]
    public void LoadFromText_UnknownClusterInSecondRoute_MessageAsDocumented()
    {
        var errors = ConfigSamples.Errors(ConfigSamples.MinimalYaml + """
              - id: r2
                cluster: ordrs
            """);

        var error = Assert.Single(errors);
        Assert.Equal("fastproxy.yaml: routes[1].cluster: unknown cluster 'ordrs' (line 9)", error.ToString());
    }

    [Fact]
    public void LoadFromText_EmptyDocument_ListenerRequired()
    {
        var error = ConfigSamples.Single("");

        Assert.Equal("listeners", error.Path);
        Assert.Null(error.Line);
    }

    [Fact]
    public void LoadFromText_JsonSyntaxError_LineReported()
    {
        var result = ConfigLoader.LoadFromText("{\n  \"listeners\": [\n    { \"address\": oops }\n  ]\n}", "f.json", isYaml: false);

        var error = Assert.Single(result.Errors);
        Assert.Equal(3, error.Line);
        Assert.StartsWith("JSON syntax error", error.Message, StringComparison.Ordinal);
        Assert.False(result.Success);
        Assert.Null(result.Config);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LoadFromText_LeadingByteOrderMark_Ignored(bool yaml)
    {
        var text = "\uFEFF" + (yaml ? ConfigSamples.FullYaml : ConfigSamples.FullJson);

        Assert.True(ConfigLoader.LoadFromText(text, "f", yaml).Success);
    }

    [Fact]
    public void LoadFromText_JsonDuplicateKey_Refused()
    {
        var result = ConfigLoader.LoadFromText("{\n  \"log\": { \"level\": \"debug\",\n    \"level\": \"none\" }\n}", "f.json", isYaml: false);

        var error = Assert.Single(result.Errors);
        Assert.Equal("log.level", error.Path);
        Assert.Equal(3, error.Line);
        Assert.Contains("duplicate key 'level'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFromText_YamlSyntaxError_LineReported()
    {
        var error = ConfigSamples.Single("listeners:\n  - address: 127.0.0.1:8080\n   bad indent: [\n");

        Assert.StartsWith("YAML syntax error", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Line);
    }

    [Theory]
    [InlineData("fastproxy.yaml", true)]
    [InlineData("fastproxy.yml", true)]
    [InlineData("fastproxy.json", false)]
    [InlineData("FASTPROXY.YAML", true)]
    public void Load_ByExtension_ParsesAndSetsBaseDirectory(string name, bool yaml)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, yaml ? ConfigSamples.FullYaml : ConfigSamples.FullJson);

        var result = ConfigLoader.Load(path);

        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Equal(_directory, result.BaseDirectory);
        Assert.Equal(2, result.Config!.Routes.Count);
    }

    [Fact]
    public void Load_ErrorsNameTheFileAsGiven()
    {
        var path = Path.Combine(_directory, "bad.yaml");
        File.WriteAllText(path, "listeners: []\n");

        var error = Assert.Single(ConfigLoader.Load(path).Errors);

        Assert.Equal(path, error.File);
    }

    [Fact]
    public void Load_UnknownExtension_Refused()
    {
        var path = Path.Combine(_directory, "fastproxy.toml");
        File.WriteAllText(path, "x = 1");

        var error = Assert.Single(ConfigLoader.Load(path).Errors);

        Assert.Contains(".yaml, .yml or .json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_ErrorNotException()
    {
        var error = Assert.Single(ConfigLoader.Load(Path.Combine(_directory, "none.yaml")).Errors);

        Assert.Equal("file not found", error.Message);
    }

    [Fact]
    public void Load_FileOverSizeCap_Refused()
    {
        var path = Path.Combine(_directory, "big.yaml");
        File.WriteAllText(path, "# " + new string('x', ConfigLoader.MaxFileBytes) + "\n");

        var error = Assert.Single(ConfigLoader.Load(path).Errors);

        Assert.Contains("larger than", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithOverrides_OverriddenValueErrorNamesFlag()
    {
        var path = Path.Combine(_directory, "fastproxy.yaml");
        File.WriteAllText(path, ConfigSamples.MinimalYaml + "limits:\n  max_connections: 0\n");
        var cli = new CliInvocation { ConfigPath = path, MaxHeaderBytes = 10, Listen = ["127.0.0.1:9000"] };

        var errors = ConfigLoader.Load(path, cli).Errors;

        Assert.Equal(2, errors.Count);
        var flag = ConfigSamples.Find(errors, "--max-header-bytes");
        Assert.Equal(ConfigLoader.CommandLineSource, flag.File);
        Assert.Null(flag.Line);
        var file = ConfigSamples.Find(errors, "limits.max_connections");
        Assert.Equal(path, file.File);
        Assert.Equal(9, file.Line);
    }

    [Fact]
    public void Load_WithOverrides_ResultCarriesOverriddenValues()
    {
        var path = Path.Combine(_directory, "fastproxy.yaml");
        File.WriteAllText(path, ConfigSamples.MinimalYaml);
        var cli = new CliInvocation { ConfigPath = path, Listen = ["[::]:9000"], LogLevel = "warning" };

        var result = ConfigLoader.Load(path, cli);

        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Equal("[::]:9000", Assert.Single(result.Config!.Listeners).Address);
        Assert.Equal("warning", result.Config.Log.Level);
    }

    [Fact]
    public void Validate_ConfigBuiltInCode_ErrorsWithoutLines()
    {
        var errors = ConfigLoader.Validate(new FastProxyConfig(), "demo");

        var error = Assert.Single(errors);
        Assert.Equal("demo: listeners: at least one listener is required, e.g. listeners: [{ address: 127.0.0.1:8080 }]", error.ToString());
    }

    [Fact]
    public void ToPolicyDocument_CarriesIdentityRoutesAndTests()
    {
        var config = Load(ConfigSamples.FullYaml);

        var document = config.ToPolicyDocument();

        Assert.Same(config.Identity, document.Identity);
        Assert.Same(config.Routes, document.Routes);
        Assert.Same(config.Tests, document.Tests);
    }

    private static FastProxyConfig Load(string yaml)
    {
        var result = ConfigLoader.LoadFromText(yaml, "f.yaml", isYaml: true);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Config!;
    }

    private static string Serialize(FastProxyConfig config)
        => JsonSerializer.Serialize(config, ConfigJsonContext.Default.FastProxyConfig);
}
