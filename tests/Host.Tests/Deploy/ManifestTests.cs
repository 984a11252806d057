using System.Globalization;
using FastProxy.Host.Config;
using FastProxy.Policy;
using YamlDotNet.RepresentationModel;
using static FastProxy.Host.Tests.Deploy.DeployFiles;

namespace FastProxy.Host.Tests.Deploy;

/// <summary>
/// The Kubernetes manifests under deploy/ are checked against each other and against the proxy's
/// own configuration loader (no cluster here): probes hit real admin paths on the admin port the
/// embedded config binds, the Service reaches the listener, the HPA and PDB find the Deployment.
/// </summary>
public sealed class ManifestTests
{
    /// <summary>The admin endpoints (issue 4): the only paths a probe may use.</summary>
    private static readonly string[] AdminPaths = ["/healthz", "/readyz", "/metrics", "/config"];

    private static readonly Dictionary<string, string> ExpectedApiVersions = new(StringComparer.Ordinal)
    {
        ["ConfigMap"] = "v1",
        ["Deployment"] = "apps/v1",
        ["Service"] = "v1",
        ["HorizontalPodAutoscaler"] = "autoscaling/v2",
        ["PodDisruptionBudget"] = "policy/v1",
    };

    [Fact]
    public void Manifests_EveryDocument_HasKnownKindApiVersionAndName()
    {
        var documents = AllDocuments();

        Assert.NotEmpty(documents);
        foreach (var (file, document) in documents)
        {
            var kind = Kind(document);
            Assert.True(ExpectedApiVersions.TryGetValue(kind, out var apiVersion), $"{file}: unexpected kind '{kind}'");
            Assert.Equal(apiVersion, Scalar(document, "apiVersion"));
            Assert.False(string.IsNullOrWhiteSpace(Scalar(document, "metadata.name")), $"{file}: metadata.name is empty");
        }

        Assert.Equal(
            ExpectedApiVersions.Keys.Order(StringComparer.Ordinal),
            documents.Select(d => Kind(d.Document)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ConfigMap_EmbeddedConfig_LoadsWithoutErrors()
    {
        var result = ConfigLoader.LoadFromText(EmbeddedConfigText(), "deploy/configmap.yaml:fastproxy.yaml", isYaml: true);

        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.NotNull(result.Config!.Admin.Address);
        Assert.NotEmpty(result.Config.Listeners);
    }

    [Fact]
    public async Task ConfigMap_EmbeddedPolicy_CompilesAndItsPolicyTestsPass()
    {
        // The static key lives in a Secret mounted by the Deployment; here the example public key
        // stands in for it so the routes, rules and policy tests are compiled for real.
        var config = EmbeddedConfig();
        var secretMounts = VolumeMountPaths(kind: "secret");
        var exampleKey = Path.Combine(RepositoryRoot, "examples", "keys", "idp-public.pem");
        var providers = config.Identity.Providers.Select(p =>
        {
            foreach (var key in p.Keys)
            {
                Assert.True(secretMounts.Contains(Path.GetDirectoryName(key)!), $"identity key '{key}' is not under a mounted Secret ({string.Join(", ", secretMounts)})");
            }

            return p with { Keys = [.. p.Keys.Select(_ => exampleKey)] };
        }).ToList();
        var document = config.ToPolicyDocument() with { Identity = config.Identity with { Providers = providers } };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var result = await PolicyCompiler.CompileAsync(document, new PolicyCompileOptions { BaseDirectory = RepositoryRoot }, timeout.Token);
        await using var policy = result.Policy;

        Assert.True(result.Success, string.Join("\n", result.Errors.Select(e => $"{e.Path}: {e.Message}")));
        Assert.NotEmpty(result.TestResults);
        Assert.All(result.TestResults, t => Assert.True(t.Passed, $"policy test '{t.Name}': expected {t.Expected}, got {t.Actual} ({t.Detail})"));
    }

    [Fact]
    public void Deployment_Probes_HitAdminPathsOnTheConfiguredAdminPort()
    {
        var container = Container();
        var adminPort = Port(EmbeddedConfig().Admin.Address!);

        Assert.Equal("/readyz", Scalar(container, "readinessProbe.httpGet.path"));
        Assert.Equal("/healthz", Scalar(container, "livenessProbe.httpGet.path"));
        foreach (var probe in new[] { "readinessProbe", "livenessProbe", "startupProbe" })
        {
            if (Find(container, probe) is null)
            {
                continue;
            }

            Assert.Contains(Scalar(container, probe + ".httpGet.path"), AdminPaths, StringComparer.Ordinal);
            Assert.True(adminPort == ResolvePort(container, Scalar(container, probe + ".httpGet.port")), $"{probe} does not target the admin port {adminPort}");
        }
    }

    [Fact]
    public void Deployment_ContainerPorts_AreTheConfiguredListenerAndAdminPorts()
    {
        var config = EmbeddedConfig();
        var expected = config.Listeners.Select(l => Port(l.Address)).Append(Port(config.Admin.Address!)).Order().ToArray();

        var declared = Seq(Container(), "ports").Select(p => Int(p, "containerPort")).Order().ToArray();

        Assert.Equal(expected, declared);
    }

    [Fact]
    public void Deployment_ConfigMap_MountedAsDirectoryAtTheEntrypointsConfigPath()
    {
        var configPath = EntrypointConfigPath();
        var configMapName = Scalar(Single("ConfigMap"), "metadata.name");
        var volume = Seq(Single("Deployment"), "spec.template.spec.volumes")
            .Single(v => Find(v, "configMap.name") is YamlScalarNode name && string.Equals(name.Value, configMapName, StringComparison.Ordinal));
        var mount = Seq(Container(), "volumeMounts").Single(m => string.Equals(Scalar(m, "name"), Scalar(volume, "name"), StringComparison.Ordinal));

        // subPath mounts never receive ConfigMap updates: hot reload needs the directory mount.
        Assert.Null(Find(mount, "subPath"));
        Assert.Equal(Path.GetDirectoryName(configPath), Scalar(mount, "mountPath"));
        Assert.NotNull(Child(Find(Single("ConfigMap"), "data"), Path.GetFileName(configPath)));
    }

    [Fact]
    public void Deployment_AuditFile_LivesOnAWritableEmptyDirVolume()
    {
        // With on_audit_failure: deny, an audit path on the read-only ConfigMap mount (the
        // default path is relative to the config file) would refuse every authenticated request.
        var audit = EmbeddedConfig().Audit;
        Assert.True(audit.Enabled);
        Assert.Equal("file", audit.Sink);
        Assert.True(Path.IsPathRooted(audit.Path), audit.Path);
        var emptyDirs = Seq(Single("Deployment"), "spec.template.spec.volumes")
            .Where(v => Find(v, "emptyDir") is not null)
            .Select(v => Scalar(v, "name"))
            .ToHashSet(StringComparer.Ordinal);
        var mount = Seq(Container(), "volumeMounts")
            .Where(m => emptyDirs.Contains(Scalar(m, "name")))
            .SingleOrDefault(m => audit.Path.StartsWith(Scalar(m, "mountPath").TrimEnd('/') + "/", StringComparison.Ordinal));
        Assert.NotNull(mount);
        Assert.False(Find(mount!, "readOnly") is YamlScalarNode { Value: "true" }, "the audit volume is mounted read-only");
    }

    [Fact]
    public void Deployment_TerminationGrace_ExceedsPreStopPlusDrain()
    {
        var drain = EmbeddedConfig().Timeouts.DrainSeconds;
        var preStop = Find(Container(), "lifecycle.preStop.sleep.seconds") is YamlScalarNode s ? int.Parse(s.Value!, CultureInfo.InvariantCulture) : 0;
        var grace = Int(Single("Deployment"), "spec.template.spec.terminationGracePeriodSeconds");

        Assert.True(preStop > 0, "a preStop sleep lets endpoints be removed before SIGTERM stops accepting");
        Assert.True(grace > preStop + drain, $"terminationGracePeriodSeconds {grace} must exceed preStop {preStop} s + drain_seconds {drain} s");
    }

    [Fact]
    public void Deployment_SecurityContext_NonRootWithReadOnlyRoot()
    {
        var deployment = Single("Deployment");
        var container = Container();

        Assert.Equal("true", Scalar(deployment, "spec.template.spec.securityContext.runAsNonRoot"));
        Assert.NotEqual(0, Int(deployment, "spec.template.spec.securityContext.runAsUser"));
        Assert.Equal(DockerfileUser(), Int(deployment, "spec.template.spec.securityContext.runAsUser"));
        Assert.Equal("true", Scalar(container, "securityContext.readOnlyRootFilesystem"));
        Assert.Equal("false", Scalar(container, "securityContext.allowPrivilegeEscalation"));
        Assert.NotNull(Find(container, "resources.requests.cpu")); // the HPA's utilization is relative to it
    }

    [Fact]
    public void Deployment_Selector_MatchesItsPodTemplate()
    {
        var deployment = Single("Deployment");

        Assert.True(Int(deployment, "spec.replicas") >= 2, "one replica is not a highly available proxy");
        AssertSelects(Labels(deployment, "spec.selector.matchLabels"), PodLabels(), "Deployment selector");
    }

    [Fact]
    public void Service_TargetsTheListenerPortOnly()
    {
        var service = Single("Service");
        var container = Container();
        var config = EmbeddedConfig();
        var listenerPorts = config.Listeners.Select(l => Port(l.Address)).ToHashSet();

        var targets = Seq(service, "spec.ports").Select(p => ResolvePort(container, Scalar(p, "targetPort"))).ToList();

        Assert.NotEmpty(targets);
        Assert.All(targets, t => Assert.Contains(t, listenerPorts));
        Assert.DoesNotContain(Port(config.Admin.Address!), targets); // /config and /metrics stay off the data path
        AssertSelects(Labels(service, "spec.selector"), PodLabels(), "Service selector");
    }

    [Fact]
    public void Hpa_ScalesTheDeploymentOnCpu()
    {
        var hpa = Single("HorizontalPodAutoscaler");

        Assert.Equal("apps/v1", Scalar(hpa, "spec.scaleTargetRef.apiVersion"));
        Assert.Equal("Deployment", Scalar(hpa, "spec.scaleTargetRef.kind"));
        Assert.Equal(Scalar(Single("Deployment"), "metadata.name"), Scalar(hpa, "spec.scaleTargetRef.name"));
        Assert.Contains(Seq(hpa, "spec.metrics"), m => string.Equals(Scalar(m, "type"), "Resource", StringComparison.Ordinal) && string.Equals(Scalar(m, "resource.name"), "cpu", StringComparison.Ordinal));
        Assert.True(Int(hpa, "spec.minReplicas") >= 2);
        Assert.True(Int(hpa, "spec.maxReplicas") >= Int(hpa, "spec.minReplicas"));
    }

    [Fact]
    public void Pdb_SelectsTheDeploymentsPodsAndAllowsOneDisruption()
    {
        var pdb = Single("PodDisruptionBudget");

        AssertSelects(Labels(pdb, "spec.selector.matchLabels"), PodLabels(), "PodDisruptionBudget selector");
        var maxUnavailable = Find(pdb, "spec.maxUnavailable") as YamlScalarNode;
        var minAvailable = Find(pdb, "spec.minAvailable") as YamlScalarNode;
        Assert.True(maxUnavailable is not null ^ minAvailable is not null, "set exactly one of maxUnavailable and minAvailable");
        if (maxUnavailable is not null)
        {
            Assert.Equal("1", maxUnavailable.Value);
        }
        else
        {
            Assert.True(int.Parse(minAvailable!.Value!, CultureInfo.InvariantCulture) < Int(Single("Deployment"), "spec.replicas"), "minAvailable must leave room for one disruption");
        }
    }

    [Fact]
    public void Dockerfile_EntrypointExposeAndUser_MatchTheManifests()
    {
        var dockerfile = Dockerfile();
        var config = EmbeddedConfig();
        var expose = dockerfile.Split('\n').Single(l => l.StartsWith("EXPOSE ", StringComparison.Ordinal))["EXPOSE ".Length..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).Order();

        Assert.Contains("ENTRYPOINT [\"/app/fastproxy\", \"run\", \"--config\", \"/etc/fastproxy/fastproxy.yaml\"]", dockerfile, StringComparison.Ordinal);
        Assert.Equal(config.Listeners.Select(l => Port(l.Address)).Append(Port(config.Admin.Address!)).Order(), expose);
        Assert.NotEqual(0, DockerfileUser());
    }

    [Fact]
    public void Dockerfile_Stages_PublishNativeAotOntoRuntimeDeps()
    {
        var from = Dockerfile().Split('\n').Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, from.Count);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0", from[0], StringComparison.Ordinal);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/runtime-deps:10.0", from[1], StringComparison.Ordinal);
        Assert.Contains("clang", Dockerfile(), StringComparison.Ordinal);
        Assert.Contains("zlib1g-dev", Dockerfile(), StringComparison.Ordinal);
        Assert.Contains("dotnet publish src/Host/FastProxy.Host.csproj -c Release -r linux-x64", Dockerfile(), StringComparison.Ordinal);
        Assert.Contains("/out/fastproxy /app/fastproxy", Dockerfile(), StringComparison.Ordinal);
    }

    private static string EmbeddedConfigText()
        => (Child(Find(Single("ConfigMap"), "data"), "fastproxy.yaml") as YamlScalarNode)?.Value
            ?? throw new Xunit.Sdk.XunitException("deploy/configmap.yaml has no data key fastproxy.yaml");

    private static FastProxyConfig EmbeddedConfig()
    {
        var result = ConfigLoader.LoadFromText(EmbeddedConfigText(), "deploy/configmap.yaml:fastproxy.yaml", isYaml: true);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Config!;
    }

    private static YamlMappingNode Container()
    {
        var containers = Seq(Single("Deployment"), "spec.template.spec.containers");
        Assert.Single(containers);
        return (YamlMappingNode)containers[0];
    }

    private static Dictionary<string, string> PodLabels() => Labels(Single("Deployment"), "spec.template.metadata.labels");

    private static int Port(string address)
    {
        Assert.True(EndpointAddress.TryParseListen(address, out var parsed, out var error), error);
        return parsed.Port;
    }

    /// <summary>A probe or Service port: a number, or the name of one of the container's ports.</summary>
    private static int ResolvePort(YamlMappingNode container, string port)
    {
        if (int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        var named = Seq(container, "ports").SingleOrDefault(p => Find(p, "name") is YamlScalarNode n && string.Equals(n.Value, port, StringComparison.Ordinal));
        Assert.True(named is not null, $"no container port is named '{port}'");
        return Int(named, "containerPort");
    }

    private static HashSet<string> VolumeMountPaths(string kind)
    {
        var volumes = Seq(Single("Deployment"), "spec.template.spec.volumes")
            .Where(v => Find(v, kind) is not null)
            .Select(v => Scalar(v, "name"))
            .ToHashSet(StringComparer.Ordinal);
        return Seq(Container(), "volumeMounts")
            .Where(m => volumes.Contains(Scalar(m, "name")))
            .Select(m => Scalar(m, "mountPath"))
            .ToHashSet(StringComparer.Ordinal);
    }

    private static string EntrypointConfigPath()
    {
        var entrypoint = Dockerfile().Split('\n').Single(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal));
        var args = entrypoint["ENTRYPOINT ".Length..].Trim().TrimStart('[').TrimEnd(']')
            .Split(',').Select(a => a.Trim().Trim('"')).ToList();
        var index = args.IndexOf("--config");
        Assert.True(index >= 0 && index + 1 < args.Count, "the ENTRYPOINT passes --config FILE");
        return args[index + 1];
    }

    private static int DockerfileUser()
    {
        var user = Dockerfile().Split('\n').Last(l => l.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..].Trim();
        return int.Parse(user.Split(':')[0], CultureInfo.InvariantCulture);
    }

    private static void AssertSelects(Dictionary<string, string> selector, Dictionary<string, string> labels, string what)
    {
        Assert.NotEmpty(selector);
        foreach (var (key, value) in selector)
        {
            Assert.True(labels.TryGetValue(key, out var actual) && string.Equals(actual, value, StringComparison.Ordinal), $"{what} {key}={value} does not match the pod labels");
        }
    }
}
