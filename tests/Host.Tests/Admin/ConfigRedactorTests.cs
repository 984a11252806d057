using System.Text.Json.Nodes;
using FastProxy.Host.Admin;
using FastProxy.Host.Config;
using FastProxy.Policy.Config;

namespace FastProxy.Host.Tests.Admin;

public class ConfigRedactorTests
{
    private const string InlineKey = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----";

    [Fact]
    public void ToRedactedJson_StaticKeysAndUserInfo_Redacted()
    {
        var config = new FastProxyConfig
        {
            Identity = new IdentityConfig
            {
                Providers =
                [
                    new IdentityProviderConfig { Name = "static", Issuer = "https://idp.example", Keys = [InlineKey, "/etc/keys/k.pem"] },
                    new IdentityProviderConfig { Name = "remote", Issuer = "https://idp2.example", JwksUri = "https://user:s3cret@idp2.example/jwks?x=1" },
                ],
            },
        };

        var json = ConfigRedactor.ToRedactedJson(config);

        Assert.DoesNotContain("BEGIN PUBLIC KEY", json, StringComparison.Ordinal);
        Assert.DoesNotContain("/etc/keys/k.pem", json, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", json, StringComparison.Ordinal);
        Assert.Contains("https://[redacted]@idp2.example/jwks?x=1", json, StringComparison.Ordinal);
        Assert.Contains("https://idp.example", json, StringComparison.Ordinal);
        var keys = JsonNode.Parse(json)!["identity"]!["providers"]![0]!["keys"]!.AsArray();
        Assert.All(keys, k => Assert.Equal(ConfigRedactor.Redacted, k!.GetValue<string>()));
    }

    [Fact]
    public void ToRedactedJson_NonSecretFields_Kept()
    {
        var config = new FastProxyConfig
        {
            Listeners = [new ListenerConfig { Address = "0.0.0.0:8080" }],
            Admin = new AdminConfig { Address = "127.0.0.1:9901" },
        };

        var node = JsonNode.Parse(ConfigRedactor.ToRedactedJson(config))!;

        Assert.Equal("0.0.0.0:8080", node["listeners"]![0]!["address"]!.GetValue<string>());
        Assert.Equal("127.0.0.1:9901", node["admin"]!["address"]!.GetValue<string>());
    }

    [Fact]
    public void Redact_NestedSecretNames_StringsRedactedNumbersKept()
    {
        var node = JsonNode.Parse("""
            {
              "client_secret": "abc",
              "tls": { "private_key": "PEM", "key_file": "/k.pem", "cert_file": "/c.pem" },
              "db": { "Password": "pw", "users": [ { "api_token": "t" } ] },
              "max_key_age_seconds": 3600,
              "query_token": true,
              "credentials": { "user": "u", "nested": ["a", "b"] }
            }
            """);

        var json = ConfigRedactor.Redact(node, secret: false)!.ToJsonString();

        foreach (var secret in new[] { "\"abc\"", "\"PEM\"", "/k.pem", "\"pw\"", "\"t\"", "\"u\"", "\"a\"", "\"b\"" })
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
        }

        Assert.Contains("/c.pem", json, StringComparison.Ordinal);
        Assert.Contains("\"max_key_age_seconds\":3600", json, StringComparison.Ordinal);
        Assert.Contains("\"query_token\":true", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("keys", true)]
    [InlineData("client_secret", true)]
    [InlineData("Token", true)]
    [InlineData("db_password", true)]
    [InlineData("address", false)]
    [InlineData("issuer", false)]
    public void IsSecretName_Name_Classified(string name, bool secret)
    {
        Assert.Equal(secret, ConfigRedactor.IsSecretName(name));
    }
}
