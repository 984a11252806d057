using FastProxy.Host.Commands;
using FastProxy.Host.Config;
using FastProxy.Policy.Config;

namespace FastProxy.Host.Tests.Commands;

public class WatchedFilesTests
{
    private static readonly string Base = Path.Combine(Path.GetTempPath(), "fastproxy-watched");

    [Fact]
    public void Of_NoConfiguration_OnlyTheConfigurationFile()
    {
        var paths = WatchedFiles.Of(Path.Combine(Base, "fastproxy.yaml"), config: null, Base);

        Assert.Equal([Path.Combine(Base, "fastproxy.yaml")], paths);
    }

    [Fact]
    public void Of_EveryFileTheConfigurationReads_ResolvedAgainstTheBaseDirectory()
    {
        var config = new FastProxyConfig
        {
            Listeners =
            [
                new ListenerConfig
                {
                    Tls = new TlsListenerConfig
                    {
                        Certificate = "server.pem",
                        Key = "server.key",
                        ClientCa = "/etc/pki/clients.pem",
                        Sni = [new SniCertificateConfig { Certificate = "api.pem", Key = "api.key" }],
                    },
                },
            ],
            Clusters = new Dictionary<string, ClusterConfig>(StringComparer.Ordinal)
            {
                ["orders"] = new ClusterConfig
                {
                    Tls = new ClusterTlsConfig { Ca = "upstream-ca.pem", ClientCertificate = "proxy.pem", ClientKey = "proxy.key" },
                },
            },
            Identity = new IdentityConfig
            {
                Providers = [new IdentityProviderConfig { Keys = ["keys/jwt.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "{\"kty\":\"RSA\"}"] }],
            },
        };

        var paths = WatchedFiles.Of(Path.Combine(Base, "fastproxy.yaml"), config, Base);

        string[] expected =
        [
            Path.Combine(Base, "fastproxy.yaml"), Path.Combine(Base, "server.pem"), Path.Combine(Base, "server.key"),
            "/etc/pki/clients.pem", Path.Combine(Base, "api.pem"), Path.Combine(Base, "api.key"),
            Path.Combine(Base, "upstream-ca.pem"), Path.Combine(Base, "proxy.pem"), Path.Combine(Base, "proxy.key"),
            Path.Combine(Base, "keys", "jwt.pem"),
        ];
        Assert.Equal(expected, paths);
    }

    [Fact]
    public void Of_SameFileNamedTwice_ListedOnce()
    {
        var config = new FastProxyConfig
        {
            Listeners =
            [
                new ListenerConfig { Tls = new TlsListenerConfig { Certificate = "both.pem", Key = "both.pem" } },
                new ListenerConfig { Tls = new TlsListenerConfig { Certificate = "./both.pem", Key = "both.pem" } },
            ],
        };

        var paths = WatchedFiles.Of(Path.Combine(Base, "fastproxy.yaml"), config, Base);

        Assert.Equal([Path.Combine(Base, "fastproxy.yaml"), Path.Combine(Base, "both.pem")], paths);
    }
}
