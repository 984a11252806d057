namespace FastProxy.Policy.Evaluation;

/// <summary>
/// `{ client_cert: { uri_san: "spiffe://corp/ns/ops/*", dns_san: ..., subject: ... } }`: every
/// given field must match the verified client certificate (URI SAN: exact or trailing-'*' prefix;
/// DNS SAN: case-insensitive exact; subject: exact).
/// </summary>
internal sealed class ClientCertRule : RuleNode
{
    private readonly string? _uriSan;
    private readonly bool _uriPrefix;
    private readonly string? _dnsSan;
    private readonly string? _subject;

    public ClientCertRule(string? uriSan, string? dnsSan, string? subject)
    {
        if (uriSan is not null && uriSan.EndsWith('*'))
        {
            _uriSan = uriSan[..^1];
            _uriPrefix = true;
        }
        else
        {
            _uriSan = uriSan;
        }

        _dnsSan = dnsSan;
        _subject = subject;
    }

    public override bool Matches(in EvalContext context)
    {
        var client = context.Request.Client;
        if (!client.HasCertificate)
        {
            return false;
        }

        if (_subject is not null && !string.Equals(client.CertificateSubject, _subject, StringComparison.Ordinal))
        {
            return false;
        }

        if (_uriSan is not null && !AnyUri(client.UriSans))
        {
            return false;
        }

        return _dnsSan is null || AnyDns(client.DnsSans);
    }

    public override string Describe()
        => "client_cert {" + (_uriSan is null ? "" : " uri_san: " + _uriSan + (_uriPrefix ? "*" : "")) + (_dnsSan is null ? "" : " dns_san: " + _dnsSan)
            + (_subject is null ? "" : " subject: " + _subject) + " }";

    private bool AnyUri(IReadOnlyList<string> sans)
    {
        for (var i = 0; i < sans.Count; i++)
        {
            var san = sans[i];
            if (_uriPrefix ? san.StartsWith(_uriSan!, StringComparison.Ordinal) : string.Equals(san, _uriSan, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private bool AnyDns(IReadOnlyList<string> sans)
    {
        for (var i = 0; i < sans.Count; i++)
        {
            if (string.Equals(sans[i], _dnsSan, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
