using System.Net;

namespace FastProxy.Core.Transport;

/// <summary>
/// Open connections per client address, for <see cref="ConnectionListenerOptions.MaxConnectionsPerAddress"/>: one client
/// (or one address flooding) cannot take the whole process-wide connection budget from everyone else. A lock and a
/// dictionary: taken once per accept and once per close, never per request.
/// </summary>
internal sealed class AddressConnectionCounts(int maxPerAddress)
{
    private readonly Dictionary<IPAddress, int> _open = [];
    private readonly Lock _lock = new();

    /// <summary>Counts one more connection from <paramref name="address"/>; false (nothing counted) when it already has the maximum.</summary>
    public bool TryAdd(IPAddress address)
    {
        lock (_lock)
        {
            _open.TryGetValue(address, out var count);
            if (count >= maxPerAddress)
            {
                return false;
            }

            _open[address] = count + 1;
            return true;
        }
    }

    /// <summary>One connection from <paramref name="address"/> closed (an address with none left is forgotten).</summary>
    public void Remove(IPAddress address)
    {
        lock (_lock)
        {
            if (!_open.TryGetValue(address, out var count))
            {
                return;
            }

            if (count <= 1)
            {
                _open.Remove(address);
            }
            else
            {
                _open[address] = count - 1;
            }
        }
    }

    /// <summary>Open connections from <paramref name="address"/> now.</summary>
    public int CountOf(IPAddress address)
    {
        lock (_lock)
        {
            return _open.TryGetValue(address, out var count) ? count : 0;
        }
    }
}
