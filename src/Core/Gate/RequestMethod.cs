namespace FastProxy.Core.Gate;

/// <summary>
/// The request methods FastProxy recognises by bytes (RFC 9110 §9). Anything else is
/// <see cref="Other"/>: still forwarded, matched by its raw bytes when a rule names it.
/// </summary>
public enum RequestMethod : byte
{
    Other = 0,
    Get,
    Head,
    Post,
    Put,
    Delete,
    Patch,
    Options,
    Connect,
    Trace,
}
