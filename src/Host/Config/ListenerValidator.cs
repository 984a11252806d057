namespace FastProxy.Host.Config;

/// <summary>`listeners:`: at least one; each an IP-literal address with a port, unique; protocol http1; TLS settings complete.</summary>
internal static class ListenerValidator
{
    public static void Validate(FastProxyConfig config, ConfigErrorSink errors)
    {
        if (config.Listeners.Count == 0)
        {
            errors.Add("listeners", "at least one listener is required, e.g. listeners: [{ address: 127.0.0.1:8080 }]");
            return;
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < config.Listeners.Count; i++)
        {
            var path = DocumentPath.Index("listeners", i);
            var listener = config.Listeners[i];
            if (listener is null)
            {
                errors.Add(path, "a listener must be a mapping with an address");
                continue;
            }

            var addressPath = DocumentPath.Property(path, "address");
            if (!EndpointAddress.TryParseListen(listener.Address, out var address, out var error))
            {
                errors.Add(addressPath, error);
            }
            else if (address.Port != 0 && !seen.TryAdd(address.ToString(), path))
            {
                errors.Add(addressPath, $"duplicate listener address '{address}' (also {seen[address.ToString()]})");
            }

            ValidateProtocol(listener, DocumentPath.Property(path, "protocol"), errors);

            if (listener.Tls is { } tls)
            {
                TlsListenerValidator.Validate(tls, DocumentPath.Property(path, "tls"), errors);
            }
        }
    }

    private static void ValidateProtocol(ListenerConfig listener, string path, ConfigErrorSink errors)
    {
        switch (listener.Protocol)
        {
            case ListenerProtocols.Http1:
            case ListenerProtocols.Auto:
                return;
            case ListenerProtocols.H2c when listener.Tls is not null:
                // h2c is HTTP/2 in cleartext by definition; over TLS the client picks HTTP/2 with ALPN (auto).
                errors.Add(path, $"protocol '{ListenerProtocols.H2c}' is HTTP/2 without TLS; a TLS listener offers HTTP/2 through ALPN with '{ListenerProtocols.Auto}'");
                return;
            case ListenerProtocols.H2c:
                return;
            default:
                errors.Add(path, $"unknown protocol '{listener.Protocol}'; expected '{ListenerProtocols.Http1}', '{ListenerProtocols.H2c}' or '{ListenerProtocols.Auto}'");
                return;
        }
    }
}
