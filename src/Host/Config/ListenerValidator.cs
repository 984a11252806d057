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

            if (listener.ProxyProtocol is { } proxyProtocol)
            {
                ValidateProxyProtocol(proxyProtocol, DocumentPath.Property(path, "proxy_protocol"), errors);
            }
        }
    }

    /// <summary>The trusted list parses into networks (see <see cref="ProxyProtocolNetworks"/>) and is not empty; the header timeout is sane.</summary>
    private static void ValidateProxyProtocol(ProxyProtocolConfig config, string path, ConfigErrorSink errors)
    {
        var trustedPath = DocumentPath.Property(path, "trusted");
        if (config.Trusted is null || config.Trusted.Count == 0)
        {
            errors.Add(trustedPath, "list the load balancers that may send the header, e.g. trusted: [10.0.0.0/8]; a header from anyone else would let a client choose its own address");
        }
        else
        {
            for (var i = 0; i < config.Trusted.Count; i++)
            {
                if (!ProxyProtocolNetworks.TryParse(config.Trusted[i], out _))
                {
                    errors.Add(DocumentPath.Index(trustedPath, i), $"'{config.Trusted[i]}' is not an IP address or a CIDR network (e.g. 10.0.0.0/8, 192.0.2.10, 2001:db8::/32)");
                }
            }
        }

        if (!SaneSeconds.IsValid(config.HeaderSeconds, allowZero: false))
        {
            errors.Add(DocumentPath.Property(path, "header_seconds"), SaneSeconds.Message(allowZero: false));
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
