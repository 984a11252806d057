namespace FastProxy.Core.Transport.ProxyProtocol;

/// <summary>How far <see cref="ProxyProtocolParser.TryParse"/> got.</summary>
public enum ProxyProtocolParseResult : byte
{
    /// <summary>More bytes are needed (and may still come: the header is within its size cap so far).</summary>
    Incomplete,

    /// <summary>A whole, valid header; the bytes after it belong to the next layer (TLS or HTTP).</summary>
    Complete,

    /// <summary>Not a valid PROXY protocol header (the reason says why): the connection is closed.</summary>
    Invalid,
}
