namespace FastProxy.Host.Config;

/// <summary>Runs every section's validator and collects all their errors (not just the first).</summary>
internal static class ConfigValidator
{
    public static void Validate(FastProxyConfig config, ConfigErrorSink errors)
    {
        ListenerValidator.Validate(config, errors);
        LimitsValidator.Validate(config, errors);
        TimeoutsValidator.Validate(config, errors);
        Http2Validator.Validate(config, errors);
        ClusterValidator.Validate(config, errors);
        IdentityValidator.Validate(config, errors);
        RouteValidator.Validate(config, errors);
        AdminValidator.Validate(config, errors);
        LogValidator.Validate(config, errors);
        AuditValidator.Validate(config, errors);
    }
}
