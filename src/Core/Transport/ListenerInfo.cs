using System.Net;
using System.Text;

namespace FastProxy.Core.Transport;

/// <summary>
/// Facts about the listener a connection was accepted on, shared by every connection it accepts (built once per
/// listener, so a connection pays one reference for them): its position and name in the configuration, the address
/// it was configured with, and the scheme its requests are served as (<c>http</c>, or <c>https</c> once TLS ends on it).
/// </summary>
public sealed class ListenerInfo
{
    public const string HttpScheme = "http";
    public const string HttpsScheme = "https";

    public ListenerInfo(int index, string name, IPEndPoint endPoint, string scheme = HttpScheme)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(scheme);
        if (scheme is not (HttpScheme or HttpsScheme))
        {
            throw new ArgumentException($"The scheme must be \"{HttpScheme}\" or \"{HttpsScheme}\", not \"{scheme}\".", nameof(scheme));
        }

        Index = index;
        Name = name;
        EndPoint = endPoint;
        Scheme = scheme;
        SchemeBytes = Encoding.ASCII.GetBytes(scheme);
    }

    /// <summary>Position of the listener in the configuration (and in <see cref="ConnectionListenerOptions.Endpoints"/>).</summary>
    public int Index { get; }

    /// <summary>The configured name, or the address when the configuration names none; for logs and metrics.</summary>
    public string Name { get; }

    /// <summary>The configured address (port 0 stays 0 here: <see cref="ConnectionListener.BoundEndPoints"/> has the real port).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary><c>http</c> or <c>https</c>: what requests on this listener were received as (X-Forwarded-Proto, absolute URIs).</summary>
    public string Scheme { get; }

    /// <summary><see cref="Scheme"/> in ASCII, for writers of heads.</summary>
    public ReadOnlyMemory<byte> SchemeBytes { get; }

    /// <summary>The facts a listener built without any (tests, the admin listener) gives endpoint <paramref name="index"/>.</summary>
    public static ListenerInfo Default(int index, IPEndPoint endPoint) => new(index, endPoint.ToString(), endPoint);

    public override string ToString() => Name;
}
