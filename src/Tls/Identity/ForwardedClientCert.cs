using System.Text;

namespace FastProxy.Tls.Identity;

/// <summary>
/// Formats a verified client identity as one element of Envoy's <c>X-Forwarded-Client-Cert</c>
/// field: <c>Hash=&lt;sha256 hex&gt;;Subject="&lt;subject&gt;";URI=&lt;uri&gt;;DNS=&lt;dns&gt;</c>, one
/// <c>URI=</c>/<c>DNS=</c> pair per name, in Envoy's key order (By, Hash, Cert, Chain, Subject,
/// URI, DNS; we send neither By, Cert nor Chain). Built once per connection, not per request.
/// </summary>
/// <remarks>
/// Envoy's rules: elements are separated by ',', pairs by ';', key and value by '='. Subject is
/// always double-quoted; any other value containing ',', ';', '=' or '"' is double-quoted; inside
/// quotes '"' is written '\"'. We also write '\' as '\\' inside quotes, so that a value ending in
/// a backslash cannot swallow its closing quote in parsers that honour backslash escapes.
/// A field value must be visible ASCII (RFC 9110 §5.5; a CR or LF would split the header), so
/// control characters and non-ASCII characters are written as %XX of their UTF-8 bytes.
/// </remarks>
public static class ForwardedClientCert
{
    /// <summary>The field name, in the lower case HTTP/2 requires and HTTP/1.1 accepts.</summary>
    public const string FieldName = "x-forwarded-client-cert";

    /// <summary>The XFCC element for <paramref name="identity"/>.</summary>
    public static string Format(ClientCertificateIdentity identity)
    {
        var builder = new StringBuilder(128);
        builder.Append("Hash=").Append(identity.Sha256Fingerprint);
        builder.Append(";Subject=");
        AppendQuoted(builder, identity.Subject);
        foreach (var uri in identity.UriSans)
        {
            builder.Append(";URI=");
            AppendValue(builder, uri);
        }

        foreach (var dns in identity.DnsSans)
        {
            builder.Append(";DNS=");
            AppendValue(builder, dns);
        }

        return builder.ToString();
    }

    private static void AppendValue(StringBuilder builder, string value)
    {
        if (value.AsSpan().IndexOfAny(",;=\"") >= 0)
        {
            AppendQuoted(builder, value);
        }
        else
        {
            AppendSafe(builder, value);
        }
    }

    private static void AppendQuoted(StringBuilder builder, string value)
    {
        builder.Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.Value is '"' or '\\')
            {
                builder.Append('\\');
            }

            AppendRune(builder, rune);
        }

        builder.Append('"');
    }

    private static void AppendSafe(StringBuilder builder, string value)
    {
        foreach (var rune in value.EnumerateRunes())
        {
            AppendRune(builder, rune);
        }
    }

    private static void AppendRune(StringBuilder builder, Rune rune)
    {
        if (rune.Value is >= 0x20 and < 0x7F)
        {
            builder.Append((char)rune.Value);
            return;
        }

        Span<byte> utf8 = stackalloc byte[4];
        var length = rune.EncodeToUtf8(utf8);
        for (var i = 0; i < length; i++)
        {
            builder.Append('%').Append(HexUpper[utf8[i] >> 4]).Append(HexUpper[utf8[i] & 0xF]);
        }
    }

    private static ReadOnlySpan<char> HexUpper => "0123456789ABCDEF";
}
