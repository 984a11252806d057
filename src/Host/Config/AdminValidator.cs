namespace FastProxy.Host.Config;

/// <summary>`admin:`: off (no address) or an IP-literal address that no listener also uses.</summary>
internal static class AdminValidator
{
    public static void Validate(FastProxyConfig config, ConfigErrorSink errors)
    {
        if (config.Admin?.Address is not { } text)
        {
            return;
        }

        if (!EndpointAddress.TryParseListen(text, out var admin, out var error))
        {
            errors.Add("admin.address", error);
            return;
        }

        for (var i = 0; i < config.Listeners.Count; i++)
        {
            if (EndpointAddress.TryParseListen(config.Listeners[i]?.Address, out var listener, out _) && admin.Port != 0 && listener == admin)
            {
                errors.Add("admin.address", $"admin address '{admin}' is also listeners[{i}]; give the admin endpoint its own port");
            }
        }
    }
}
