using System.Security.Cryptography;
using FastProxy.Tls.Certificates;

namespace FastProxy.Tls.Server;

/// <summary>
/// The TLS of one listener as it is served now, replaceable as a whole for hot reload. A new
/// factory is built completely before it replaces the current one; if building fails the
/// current one keeps serving and the caller gets the reason. Handshakes already running keep the
/// options they started with; open connections are untouched.
/// </summary>
public sealed class ReloadableServerTls
{
    private ServerTlsOptionsFactory _current;

    public ReloadableServerTls(ServerTlsOptionsFactory initial)
    {
        _current = initial;
    }

    /// <summary>The factory to use for the next handshake.</summary>
    public ServerTlsOptionsFactory Current => Volatile.Read(ref _current);

    /// <summary>
    /// Builds a replacement with <paramref name="build"/> and swaps it in. Returns false with a
    /// precise <paramref name="error"/> (file and problem) when building failed; nothing changes then.
    /// </summary>
    public bool TryReload(Func<ServerTlsOptionsFactory> build, out string? error)
    {
        ServerTlsOptionsFactory next;
        try
        {
            next = build();
        }
        catch (CertificateLoadException ex)
        {
            error = ex.Message;
            return false;
        }
        catch (CryptographicException ex)
        {
            // e.g. OpenSSL refusing a key it parsed (unsupported curve) when the context is built
            error = $"TLS certificate cannot be used: {ex.Message}";
            return false;
        }

        Volatile.Write(ref _current, next);
        error = null;
        return true;
    }
}
