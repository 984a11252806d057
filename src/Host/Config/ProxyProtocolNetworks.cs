using System.Net;

namespace FastProxy.Host.Config;

/// <summary>Parses `proxy_protocol.trusted` entries: a CIDR network, or a single address (a /32 or /128).</summary>
internal static class ProxyProtocolNetworks
{
    public static bool TryParse(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out network);
        }

        if (!IPAddress.TryParse(text, out var address) || text.Contains('%', StringComparison.Ordinal))
        {
            return false;
        }

        network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }

    /// <summary>Every entry of an already validated list.</summary>
    public static IPNetwork[] ParseAll(IReadOnlyList<string> entries)
    {
        var networks = new IPNetwork[entries.Count];
        for (var i = 0; i < networks.Length; i++)
        {
            if (!TryParse(entries[i], out networks[i]))
            {
                throw new ArgumentException($"'{entries[i]}' is not an IP address or a CIDR network.", nameof(entries));
            }
        }

        return networks;
    }
}
