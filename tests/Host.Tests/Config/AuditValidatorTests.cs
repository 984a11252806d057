namespace FastProxy.Host.Tests.Config;

public class AuditValidatorTests
{
    [Fact]
    public void Validate_NoAuditSection_DefaultsValid()
    {
        var result = FastProxy.Host.Config.ConfigLoader.LoadFromText(ConfigSamples.MinimalYaml, "a.yaml", isYaml: true);

        Assert.Empty(result.Errors);
        Assert.True(result.Config!.Audit.Enabled);
        Assert.Equal("file", result.Config.Audit.Sink);
        Assert.Equal("audit/fastproxy-audit.jsonl", result.Config.Audit.Path);
        Assert.Equal(100L * 1024 * 1024, result.Config.Audit.MaxFileBytes);
        Assert.Equal(10, result.Config.Audit.MaxFiles);
        Assert.Equal(8192, result.Config.Audit.QueueCapacity);
        Assert.Equal("deny", result.Config.Audit.OnAuditFailure);
    }

    [Fact]
    public void Validate_PartialSection_OtherKeysDefault()
    {
        var result = FastProxy.Host.Config.ConfigLoader.LoadFromText(ConfigSamples.MinimalYaml + "audit: { sink: stdout, on_audit_failure: allow }\n", "a.yaml", isYaml: true);

        Assert.Empty(result.Errors);
        Assert.Equal("stdout", result.Config!.Audit.Sink);
        Assert.Equal("allow", result.Config.Audit.OnAuditFailure);
        Assert.Equal(8192, result.Config.Audit.QueueCapacity);
    }

    [Theory]
    [InlineData("sink: syslog", "audit.sink")]
    [InlineData("on_audit_failure: maybe", "audit.on_audit_failure")]
    [InlineData("max_file_bytes: 100", "audit.max_file_bytes")]
    [InlineData("max_files: 0", "audit.max_files")]
    [InlineData("queue_capacity: 1", "audit.queue_capacity")]
    [InlineData("path: ''", "audit.path")]
    public void Validate_BadValue_ErrorAtPath(string entry, string path)
    {
        var error = ConfigSamples.Single(ConfigSamples.MinimalYaml + "audit:\n  " + entry + "\n");

        Assert.Equal(path, error.Path);
    }
}
