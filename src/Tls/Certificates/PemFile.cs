using System.Security.Cryptography;

namespace FastProxy.Tls.Certificates;

/// <summary>
/// Reads a PEM file (RFC 7468) into its labelled blocks. Errors name the file and what is wrong,
/// because the message reaches an operator through `fastproxy check` or a rejected reload.
/// </summary>
internal static class PemFile
{
    /// <summary>Reads the whole text of <paramref name="path"/>, turning I/O errors into a precise message.</summary>
    public static string ReadText(string path, string role)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new CertificateLoadException($"{role}: no file given");
        }

        try
        {
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException ex)
        {
            throw new CertificateLoadException($"{role} '{path}': file not found", ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new CertificateLoadException($"{role} '{path}': file not found", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new CertificateLoadException($"{role} '{path}': permission denied", ex);
        }
        catch (IOException ex)
        {
            throw new CertificateLoadException($"{role} '{path}': cannot be read ({ex.Message})", ex);
        }
    }

    /// <summary>Every PEM block in <paramref name="text"/>, in file order, as (label, DER bytes).</summary>
    public static List<PemBlock> ReadBlocks(string text, string path, string role)
    {
        var blocks = new List<PemBlock>();
        var remaining = text.AsMemory();
        while (PemEncoding.TryFind(remaining.Span, out var fields))
        {
            var span = remaining.Span;
            var label = span[fields.Label].ToString();
            var der = new byte[fields.DecodedDataLength];
            if (!Convert.TryFromBase64Chars(span[fields.Base64Data], der, out var written) || written != der.Length)
            {
                throw new CertificateLoadException($"{role} '{path}': the '{label}' block is not valid base64");
            }

            blocks.Add(new PemBlock(label, der));
            remaining = remaining[fields.Location.End..];
        }

        return blocks;
    }
}
