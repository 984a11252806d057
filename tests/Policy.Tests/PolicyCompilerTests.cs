using FastProxy.Policy.Config;
using FastProxy.Policy.Tests.TestSupport;

namespace FastProxy.Policy.Tests;

/// <summary>Document validation (precise paths), static analysis warnings, versions, tests at compile.</summary>
public sealed class PolicyCompilerTests
{
    private static async Task<PolicyCompileResult> CompileAsync(PolicyDocument document)
    {
        var result = await PolicyCompiler.CompileAsync(document, new PolicyCompileOptions { FetchKeys = false }, CancellationToken.None);
        if (result.Policy is not null)
        {
            await result.Policy.DisposeAsync();
        }

        return result;
    }

    private static async Task AssertErrorAsync(PolicyDocument document, string path, string messagePart)
    {
        var result = await CompileAsync(document);

        Assert.False(result.Success);
        Assert.Null(result.Policy);
        Assert.Contains(result.Errors, e => e.Path == path && e.Message.Contains(messagePart, StringComparison.Ordinal));
    }

    private static PolicyDocument WithRule(RuleConfig rule) => PolicyDocuments.WithRoutes(PolicyDocuments.Route("r", "/**", rule));

    [Fact]
    public async Task Compile_PeersDocument_Succeeds()
    {
        var result = await CompileAsync(PolicyDocuments.Peers());

        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public async Task Compile_UnknownProvider_ErrorAtRouteProviders()
    {
        var route = PolicyDocuments.Route("r", "/**", new RuleConfig { Authenticated = true }) with { Providers = ["nope"] };

        await AssertErrorAsync(PolicyDocuments.WithRoutes(route), "routes[0].providers[0]", "unknown provider 'nope'");
    }

    [Fact]
    public Task Compile_BadCidr_ErrorAtSource()
        => AssertErrorAsync(WithRule(new RuleConfig { Source = ["10.0.0.0/8", "10.0.0.300/8"] }), "routes[0].allow[0].source[1]", "not a CIDR block");

    [Fact]
    public Task Compile_CidrWithHostBits_Error()
        => AssertErrorAsync(WithRule(new RuleConfig { Source = ["10.1.2.3/8"] }), "routes[0].allow[0].source[0]", "host bits");

    [Fact]
    public Task Compile_EmptyAllowOnAuthenticatedRoute_Error()
        => AssertErrorAsync(PolicyDocuments.WithRoutes(PolicyDocuments.Route("r", "/**")), "routes[0].allow", "empty allow list");

    [Fact]
    public async Task Compile_EmptyAllowOnPublicRoute_Succeeds()
    {
        var result = await CompileAsync(PolicyDocuments.WithRoutes(PolicyDocuments.Route("r", "/**") with { Public = true }));

        Assert.True(result.Success);
    }

    [Fact]
    public Task Compile_RuleWithTwoOperators_Error()
        => AssertErrorAsync(WithRule(new RuleConfig { Claim = "roles", Contains = "a", Scope = "x" }), "routes[0].allow[0]", "more than one operator");

    [Fact]
    public Task Compile_RuleWithNoOperator_Error()
        => AssertErrorAsync(WithRule(new RuleConfig()), "routes[0].allow[0]", "no operator");

    [Fact]
    public Task Compile_ClaimWithoutComparison_Error()
        => AssertErrorAsync(WithRule(new RuleConfig { Claim = "roles" }), "routes[0].allow[0]", "exactly one of equals, contains, any_of");

    [Fact]
    public Task Compile_NestedBadRule_ErrorPathInsideCombinator()
        => AssertErrorAsync(WithRule(new RuleConfig { All = [new RuleConfig { Authenticated = true }, new RuleConfig { Not = new RuleConfig { Path = "orders" } }] }), "routes[0].allow[0].all[1].not.path", "must start with '/'");

    [Fact]
    public Task Compile_BadTime_Error()
        => AssertErrorAsync(WithRule(new RuleConfig { Time = new TimeWindowConfig { From = "8am", To = "18:00" } }), "routes[0].allow[0].time.from", "HH:MM");

    [Fact]
    public Task Compile_BadDay_Error()
        => AssertErrorAsync(WithRule(new RuleConfig { Time = new TimeWindowConfig { Days = ["funday"] } }), "routes[0].allow[0].time.days[0]", "not a day");

    [Theory]
    [InlineData("none", "never accepted")]
    [InlineData("HS256", "HMAC")]
    [InlineData("XS256", "unknown algorithm")]
    public Task Compile_ForbiddenAlgorithm_Error(string alg, string message)
    {
        var document = PolicyDocuments.Peers(provider: PolicyDocuments.Provider(TestKeys.RsaPublicPem) with { Algorithms = ["RS256", alg] });

        return AssertErrorAsync(document, "identity.providers[0].algorithms[1]", message);
    }

    [Fact]
    public Task Compile_NoAudience_Error()
        => AssertErrorAsync(PolicyDocuments.Peers(provider: PolicyDocuments.Provider(TestKeys.RsaPublicPem) with { Audiences = [] }), "identity.providers[0].audiences", "audience");

    [Fact]
    public Task Compile_TwoKeySources_Error()
        => AssertErrorAsync(PolicyDocuments.Peers(provider: PolicyDocuments.Provider(TestKeys.RsaPublicPem) with { JwksUri = "https://idp.test/jwks" }), "identity.providers[0]", "exactly one key source");

    [Fact]
    public async Task Compile_PrivateKeyPem_Error()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);

        await AssertErrorAsync(PolicyDocuments.Peers(rsa.ExportPkcs8PrivateKeyPem()), "identity.providers[0].keys[0]", "private key");
    }

    [Fact]
    public async Task Compile_SmallRsaKey_Error()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(1024);

        await AssertErrorAsync(PolicyDocuments.Peers(rsa.ExportSubjectPublicKeyInfoPem()), "identity.providers[0].keys[0]", "too small");
    }

    [Fact]
    public Task Compile_MissingKeyFile_Error()
        => AssertErrorAsync(PolicyDocuments.Peers("keys/missing.pem"), "identity.providers[0].keys[0]", "cannot read key file");

    [Fact]
    public async Task Compile_KeyFileRelativeToBaseDirectory_Loads()
    {
        var directory = Directory.CreateTempSubdirectory("fastproxy-policy-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "idp.pem"), TestKeys.RsaPublicPem);
            var result = await PolicyCompiler.CompileAsync(PolicyDocuments.Peers("idp.pem"), new PolicyCompileOptions { BaseDirectory = directory.FullName }, CancellationToken.None);

            Assert.True(result.Success, string.Join("\n", result.Errors));
            await result.Policy!.DisposeAsync();
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Compile_CertificatePem_Loads()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=idp", rsa, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        var result = await CompileAsync(PolicyDocuments.Peers(certificate.ExportCertificatePem()));

        Assert.True(result.Success, string.Join("\n", result.Errors));
    }

    [Fact]
    public Task Compile_DuplicateRouteIds_Error()
        => AssertErrorAsync(PolicyDocuments.WithRoutes(PolicyDocuments.Route("a", "/x", new RuleConfig { Authenticated = true }), PolicyDocuments.Route("a", "/y", new RuleConfig { Authenticated = true })), "routes[1].id", "duplicate");

    [Fact]
    public Task Compile_UnknownMode_Error()
        => AssertErrorAsync(PolicyDocuments.WithRoutes(PolicyDocuments.Route("a", "/x", new RuleConfig { Authenticated = true }) with { Mode = "log" }), "routes[0].mode", "unknown mode");

    [Fact]
    public Task Compile_ReservedUpstreamHeader_Error()
    {
        var route = PolicyDocuments.Route("a", "/x", new RuleConfig { Authenticated = true }) with
        {
            UpstreamIdentity = new UpstreamIdentityConfig { Headers = new Dictionary<string, string> { ["Authorization"] = "sub" } },
        };

        return AssertErrorAsync(PolicyDocuments.WithRoutes(route), "routes[0].upstream_identity.headers.Authorization", "reserved");
    }

    [Fact]
    public async Task Compile_ShadowedRoute_Warning()
    {
        var document = PolicyDocuments.WithRoutes(
            PolicyDocuments.Route("all", "/api/**", new RuleConfig { Claim = "roles", Contains = "a" }),
            PolicyDocuments.Route("orders", "/api/orders/*", new RuleConfig { Claim = "roles", Contains = "b" }));

        var result = await CompileAsync(document);

        Assert.True(result.Success);
        Assert.Contains(result.Warnings, w => w.Path == "routes[1]" && w.Message.Contains("shadowed by routes[0]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Compile_NarrowerRouteFirst_NoShadowWarning()
    {
        var document = PolicyDocuments.WithRoutes(
            PolicyDocuments.Route("orders", "/api/orders/*", new RuleConfig { Claim = "roles", Contains = "b" }),
            PolicyDocuments.Route("all", "/api/**", new RuleConfig { Claim = "roles", Contains = "a" }));

        var result = await CompileAsync(document);

        Assert.DoesNotContain(result.Warnings, w => w.Message.Contains("shadowed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Compile_RuleNeverMatches_Warning()
    {
        var route = PolicyDocuments.Route("r", "/api/**", new RuleConfig { Claim = "roles", Contains = "a" }, new RuleConfig { All = [new RuleConfig { Method = ["DELETE"] }, new RuleConfig { Scope = "x" }] }) with
        {
            Match = new RouteMatchConfig { Path = "/api/**", Methods = ["GET"] },
        };

        var result = await CompileAsync(PolicyDocuments.WithRoutes(route));

        Assert.Contains(result.Warnings, w => w.Path == "routes[0].allow[1]" && w.Message.Contains("never match", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Compile_ClaimRuleOnPublicRoute_NeverMatchesWarning()
    {
        var route = PolicyDocuments.Route("r", "/**", new RuleConfig { Claim = "roles", Contains = "a" }) with { Public = true };

        var result = await CompileAsync(PolicyDocuments.WithRoutes(route));

        Assert.Contains(result.Warnings, w => w.Path == "routes[0].allow[0]" && w.Message.Contains("never match", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Compile_RuleAdmitsEveryone_Warning(bool viaNot)
    {
        var rule = viaNot ? new RuleConfig { Not = new RuleConfig { Authenticated = false } } : new RuleConfig { Authenticated = true };

        var result = await CompileAsync(WithRule(rule));

        Assert.Contains(result.Warnings, w => w.Path == "routes[0].allow[0]" && w.Message.Contains("admits every authenticated principal", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Compile_SameDocumentTwice_SameVersion_ChangedDocument_NewVersion()
    {
        var a = await PolicyCompiler.CompileAsync(PolicyDocuments.Peers(), new PolicyCompileOptions(), CancellationToken.None);
        var b = await PolicyCompiler.CompileAsync(PolicyDocuments.Peers(), new PolicyCompileOptions(), CancellationToken.None);
        var c = await PolicyCompiler.CompileAsync(PolicyDocuments.Peers(TestKeys.OtherRsaPublicPem), new PolicyCompileOptions(), CancellationToken.None);

        Assert.Equal(a.Policy!.Version, b.Policy!.Version);
        Assert.NotEqual(a.Policy.Version, c.Policy!.Version);
        Assert.Equal(64, a.Policy.Version.Length);
        await a.Policy.DisposeAsync();
        await b.Policy.DisposeAsync();
        await c.Policy.DisposeAsync();
    }

    [Fact]
    public async Task Compile_FailingPolicyTest_DocumentRefused()
    {
        var document = PolicyDocuments.Peers() with
        {
            Tests =
            [
                new PolicyTestConfig { Name = "reader allowed", Request = "GET https://api.test/api/x", Claims = Json("{\"roles\":[\"reader\"]}"), Expect = "allow" },
                new PolicyTestConfig { Name = "writer allowed (wrong)", Request = "GET https://api.test/api/x", Claims = Json("{\"roles\":[\"writer\"]}"), Expect = "allow" },
            ],
        };

        var result = await CompileAsync(document);

        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Path == "tests[1]" && e.Message.Contains("writer allowed (wrong)", StringComparison.Ordinal));
        Assert.True(result.TestResults[0].Passed);
        Assert.False(result.TestResults[1].Passed);
    }

    internal static System.Text.Json.JsonElement Json(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.Clone();
}
