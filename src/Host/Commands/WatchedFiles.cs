using FastProxy.Host.Config;
using FastProxy.Policy.Identity;

namespace FastProxy.Host.Commands;

/// <summary>
/// The files a configuration reads besides itself: listener certificates, keys and client CA bundles, SNI
/// certificates, cluster CA bundles and client certificates, and identity provider keys given as files. A change to
/// any of them reloads the proxy, as a change to the configuration file does.
/// </summary>
internal static class WatchedFiles
{
    public static IReadOnlyList<string> Of(string configPath, FastProxyConfig? config, string baseDirectory)
    {
        var paths = new List<string> { Path.GetFullPath(configPath) };
        if (config is null)
        {
            return paths;
        }

        foreach (var listener in config.Listeners)
        {
            if (listener.Tls is { } tls)
            {
                Add(paths, baseDirectory, tls.Certificate);
                Add(paths, baseDirectory, tls.Key);
                Add(paths, baseDirectory, tls.ClientCa);
                foreach (var sni in tls.Sni)
                {
                    Add(paths, baseDirectory, sni.Certificate);
                    Add(paths, baseDirectory, sni.Key);
                }
            }
        }

        foreach (var cluster in config.Clusters.Values)
        {
            if (cluster.Tls is { } tls)
            {
                Add(paths, baseDirectory, tls.Ca);
                Add(paths, baseDirectory, tls.ClientCertificate);
                Add(paths, baseDirectory, tls.ClientKey);
            }
        }

        foreach (var provider in config.Identity.Providers)
        {
            foreach (var key in provider.Keys)
            {
                // Inline keys (JSON or PEM text) are part of the configuration file itself.
                if (!StaticKeyEntry.IsInline(key))
                {
                    Add(paths, baseDirectory, StaticKeyEntry.FilePath(key, baseDirectory));
                }
            }
        }

        return paths;
    }

    private static void Add(List<string> paths, string baseDirectory, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        var full = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(baseDirectory, path));
        if (!paths.Contains(full, StringComparer.Ordinal))
        {
            paths.Add(full);
        }
    }
}
