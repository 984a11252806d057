using FastProxy.Host.Cli;
using FastProxy.Host.Config;
using FastProxy.Host.Tests.Config;

namespace FastProxy.Host.Tests.Cli;

public class ConfigOverridesTests
{
    private static readonly FastProxyConfig Base = ConfigLoader.LoadFromText(ConfigSamples.FullYaml, "f.yaml", isYaml: true).Config!;

    [Fact]
    public void ApplyOverrides_NoFlags_ConfigUnchanged()
    {
        var result = ConfigOverrides.ApplyOverrides(Base, new CliInvocation { ConfigPath = "f.yaml" });

        Assert.Equal(Base.Limits, result.Limits);
        Assert.Equal(Base.Timeouts, result.Timeouts);
        Assert.Same(Base.Listeners, result.Listeners);
        Assert.Equal(Base.Identity.TokenCache, result.Identity.TokenCache);
        Assert.Equal(Base.Log, result.Log);
        Assert.Equal(Base.Admin, result.Admin);
    }

    [Fact]
    public void ApplyOverrides_EveryFlag_Applied()
    {
        var cli = new CliInvocation
        {
            Listen = ["0.0.0.0:1", "[::]:2"],
            MaxConnections = 3,
            HeaderTimeoutSeconds = 4,
            IdleTimeoutSeconds = 5,
            ConnectTimeoutSeconds = 6,
            ResponseTimeoutSeconds = 7,
            DrainTimeoutSeconds = 8,
            MaxHeaderBytes = 9000,
            TokenCacheSize = 10,
            LogLevel = "error",
            AdminAddress = "127.0.0.1:11",
        };

        var result = ConfigOverrides.ApplyOverrides(Base, cli);

        Assert.Equal(["0.0.0.0:1", "[::]:2"], result.Listeners.Select(l => l.Address).ToArray());
        Assert.All(result.Listeners, l => Assert.Equal(ListenerProtocols.Http1, l.Protocol));
        Assert.Equal(3, result.Limits.MaxConnections);
        Assert.Equal(9000, result.Limits.MaxHeaderBytes);
        Assert.Equal(Base.Limits.MaxBodyBytes, result.Limits.MaxBodyBytes);
        Assert.Equal(new TimeoutsConfig { HeaderSeconds = 4, IdleSeconds = 5, ConnectSeconds = 6, ResponseSeconds = 7, DrainSeconds = 8 }, result.Timeouts);
        Assert.Equal(10, result.Identity.TokenCache.Size);
        Assert.Same(Base.Identity.Providers, result.Identity.Providers);
        Assert.Equal("error", result.Log.Level);
        Assert.Equal("127.0.0.1:11", result.Admin.Address);
        Assert.Same(Base.Routes, result.Routes);
        Assert.Same(Base.Clusters, result.Clusters);
    }

    [Fact]
    public void ApplyOverrides_DoesNotMutateInput()
    {
        _ = ConfigOverrides.ApplyOverrides(Base, new CliInvocation { MaxConnections = 1, Listen = ["0.0.0.0:1"] });

        Assert.Equal(500, Base.Limits.MaxConnections);
        Assert.Equal(2, Base.Listeners.Count);
    }

    [Theory]
    [InlineData("listeners[0].address", "--listen")]
    [InlineData("listeners", "--listen")]
    [InlineData("limits.max_connections", "--max-connections")]
    [InlineData("limits.max_header_bytes", "--max-header-bytes")]
    [InlineData("timeouts.drain_seconds", "--drain-timeout")]
    [InlineData("identity.token_cache.size", "--token-cache-size")]
    [InlineData("log.level", "--log-level")]
    [InlineData("admin.address", "--admin")]
    [InlineData("limits.max_connections_x", null)]
    [InlineData("limits.max_body_bytes", null)]
    [InlineData("routes[0].id", null)]
    public void FlagFor_OverriddenPath_NamesFlag(string path, string? flag)
    {
        var cli = new CliInvocation
        {
            Listen = ["0.0.0.0:1"],
            MaxConnections = 1,
            MaxHeaderBytes = 1,
            DrainTimeoutSeconds = 1,
            TokenCacheSize = 1,
            LogLevel = "none",
            AdminAddress = "127.0.0.1:1",
        };

        Assert.Equal(flag, ConfigOverrides.FlagFor(path, cli));
    }

    [Fact]
    public void FlagFor_FlagNotGiven_Null()
    {
        Assert.Null(ConfigOverrides.FlagFor("limits.max_connections", new CliInvocation()));
    }

    [Fact]
    public void ApplyOverrides_TlsCertAndKey_EveryListenerServesTls()
    {
        var result = ConfigOverrides.ApplyOverrides(Base, new CliInvocation { TlsCertificate = "/c.pem", TlsKey = "/k.pem" });

        Assert.Equal(Base.Listeners.Count, result.Listeners.Count);
        Assert.All(result.Listeners, l =>
        {
            Assert.Equal("/c.pem", l.Tls!.Certificate);
            Assert.Equal("/k.pem", l.Tls.Key);
            Assert.Equal("none", l.Tls.ClientCertificate);
        });
        Assert.All(Base.Listeners, l => Assert.Null(l.Tls));
    }
}
