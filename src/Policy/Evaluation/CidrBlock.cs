using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace FastProxy.Policy.Evaluation;

/// <summary>An IPv4 or IPv6 prefix ("10.0.0.0/8", "2001:db8::/32", or one address), matched on bytes.</summary>
internal sealed class CidrBlock
{
    private readonly byte[] _network;
    private readonly int _prefix;

    private CidrBlock(string text, byte[] network, int prefix)
    {
        Text = text;
        _network = network;
        _prefix = prefix;
    }

    public string Text { get; }

    public static CidrBlock? TryParse(string text, out string? error)
    {
        error = null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address) || (address.AddressFamily != AddressFamily.InterNetwork && address.AddressFamily != AddressFamily.InterNetworkV6) || (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0))
        {
            error = $"'{text}' is not a CIDR block (address/prefix)";
            return null;
        }

        // IPAddress.TryParse also takes inet_aton shorthands ("10.1" is 10.0.0.1): a policy only takes dotted quads.
        if (address.AddressFamily == AddressFamily.InterNetwork && addressText.AsSpan().Count('.') != 3)
        {
            error = $"'{text}': write IPv4 addresses as four dotted numbers";
            return null;
        }

        var bytes = address.GetAddressBytes();
        var max = bytes.Length * 8;
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > max))
        {
            error = $"'{text}' has an invalid prefix length (0..{max})";
            return null;
        }

        // Host bits set below the prefix are a typo more often than not ("10.1.2.3/8"): refuse.
        for (var bit = prefix; bit < max; bit++)
        {
            if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0)
            {
                error = $"'{text}' has host bits set beyond /{prefix}";
                return null;
            }
        }

        return new CidrBlock(text, bytes, prefix);
    }

    public bool Contains(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            return false;
        }

        ReadOnlySpan<byte> candidate = bytes[..written];

        // RFC 4291 §2.5.5.2: an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address.
        if (written == 16 && _network.Length == 4 && candidate[..10].IndexOfAnyExcept((byte)0) < 0 && candidate[10] == 0xFF && candidate[11] == 0xFF)
        {
            candidate = candidate[12..];
        }

        if (candidate.Length != _network.Length)
        {
            return false;
        }

        var full = _prefix / 8;
        if (!candidate[..full].SequenceEqual(_network.AsSpan(0, full)))
        {
            return false;
        }

        var rest = _prefix % 8;
        if (rest == 0)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - rest));
        return (candidate[full] & mask) == _network[full];
    }

    public override string ToString() => Text;
}
