namespace FastProxy.Core.Gate;

/// <summary>Maps method tokens to <see cref="RequestMethod"/> by length and bytes (methods are case-sensitive, RFC 9110 §9.1).</summary>
public static class RequestMethods
{
    public static RequestMethod Parse(ReadOnlySpan<byte> method) => method.Length switch
    {
        3 when method.SequenceEqual("GET"u8) => RequestMethod.Get,
        3 when method.SequenceEqual("PUT"u8) => RequestMethod.Put,
        4 when method.SequenceEqual("HEAD"u8) => RequestMethod.Head,
        4 when method.SequenceEqual("POST"u8) => RequestMethod.Post,
        5 when method.SequenceEqual("PATCH"u8) => RequestMethod.Patch,
        5 when method.SequenceEqual("TRACE"u8) => RequestMethod.Trace,
        6 when method.SequenceEqual("DELETE"u8) => RequestMethod.Delete,
        7 when method.SequenceEqual("OPTIONS"u8) => RequestMethod.Options,
        7 when method.SequenceEqual("CONNECT"u8) => RequestMethod.Connect,
        _ => RequestMethod.Other,
    };

    /// <summary>Safe and idempotent methods (RFC 9110 §9.2.2) may be retried on a fresh connection.</summary>
    public static bool IsIdempotent(RequestMethod method)
        => method is RequestMethod.Get or RequestMethod.Head or RequestMethod.Put or RequestMethod.Delete
            or RequestMethod.Options or RequestMethod.Trace;
}
