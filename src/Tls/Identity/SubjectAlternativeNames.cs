using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace FastProxy.Tls.Identity;

/// <summary>
/// Reads the URI and DNS names of a certificate's subject alternative name extension. .NET's
/// <see cref="X509SubjectAlternativeNameExtension"/> enumerates DNS names and IP addresses but
/// not URIs (SPIFFE IDs), so the GeneralNames are read here.
/// </summary>
internal static class SubjectAlternativeNames
{
    private const string SubjectAlternativeNameOid = "2.5.29.17";

    // RFC 5280 §4.2.1.6:
    //   GeneralName ::= CHOICE {
    //        otherName                 [0] OtherName,
    //        rfc822Name                [1] IA5String,
    //        dNSName                   [2] IA5String,
    //        x400Address               [3] ORAddress,
    //        directoryName             [4] Name,
    //        ediPartyName              [5] EDIPartyName,
    //        uniformResourceIdentifier [6] IA5String,
    //        iPAddress                 [7] OCTET STRING,
    //        registeredID              [8] OBJECT IDENTIFIER }
    private static readonly Asn1Tag DnsNameTag = new(TagClass.ContextSpecific, 2);
    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);

    /// <summary>Reads the URI and DNS SANs of <paramref name="certificate"/> in certificate order.</summary>
    /// <exception cref="AsnContentException">The extension is malformed.</exception>
    public static (string[] Uris, string[] DnsNames) Read(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions[SubjectAlternativeNameOid];
        if (extension is null)
        {
            return ([], []);
        }

        var uris = new List<string>();
        var dnsNames = new List<string>();
        var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
        var names = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        while (names.HasData)
        {
            var tag = names.PeekTag();
            if (tag.HasSameClassAndValue(UriTag))
            {
                uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, UriTag));
            }
            else if (tag.HasSameClassAndValue(DnsNameTag))
            {
                dnsNames.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, DnsNameTag));
            }
            else
            {
                names.ReadEncodedValue();
            }
        }

        return ([.. uris], [.. dnsNames]);
    }
}
