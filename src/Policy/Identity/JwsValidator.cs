using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using FastProxy.Policy.Logging;
using Microsoft.Extensions.Logging;

namespace FastProxy.Policy.Identity;

/// <summary>
/// Validates a compact JWS bearer token (RFC 7515 §7.1) on a token-cache miss, straight from the
/// request bytes: the three segments are checked and base64url-decoded once into one pooled buffer,
/// the header read with <see cref="Utf8JsonReader"/>, the payload parsed once into the
/// <see cref="JsonDocument"/> that also feeds the principal, the signature checked against keys
/// prepared at key-set load (<see cref="VerificationKey"/>).
/// </summary>
/// <remarks>
/// Checks, in order (the first failing one is the reason): structure (Malformed), issuer picks
/// the provider (InvalidIssuer), `alg` in its allow-list (AlgorithmNotAllowed: never none, never
/// HS*, RFC 8725 §3.1), `typ` one of the provider's token_types if it has any (InvalidTokenType,
/// RFC 8725 §3.11), keys usable (KeysUnavailable), kid known (else an unknown-kid refresh or
/// UnknownKey), signature (InvalidSignature), exp / nbf (MissingExpiration, Expired, NotYetValid,
/// RFC 7519 §4.1.4-5), audience (InvalidAudience, RFC 7519 §4.1.3).
/// Every failure is a result, never an exception out of here (hostile input must not become an
/// error log and an aborted connection). Header and payload must be valid UTF-8 without unpaired
/// surrogate escapes (<see cref="JsonUnicode"/>) before a reader sees them: System.Text.Json
/// parses such text but throws InvalidOperationException when a string is later unescaped or
/// transcoded, and the payload is read again after validation (claims, principal). What the
/// readers still throw on text that is not JSON (JsonException: syntax, depth, duplicates) is
/// caught; a cheap `{`...`}` precheck keeps random input off that path, so only a deliberately
/// crafted near-JSON token pays for an exception (no more than an RSA verify costs). Numbers are
/// only read with TryGet* (out of range is a false, not a throw).
/// </remarks>
internal sealed class JwsValidator
{
    /// <summary>RSA signatures are the modulus length: 1024 bytes covers keys up to 8192 bits (ES512 needs 132).</summary>
    public const int MaxSignatureBytes = 1024;

    /// <summary>The largest hash we compute (SHA-512).</summary>
    private const int MaxHashBytes = 64;

    /// <summary>Longer kids are not real (JWKS kids are thumbprints or short names): Malformed.</summary>
    private const int MaxKidBytes = 256;

    /// <summary>A JOSE header has a handful of members; more than this is not a header we accept.</summary>
    private const int MaxHeaderMembers = 32;

    /// <summary>Total unescaped bytes of header member names kept for the duplicate check.</summary>
    private const int MaxHeaderNameBytes = 512;

    /// <summary>A `typ` media type with an `application/` prefix (RFC 7515 §4.1.9); a longer one matches no configured type.</summary>
    private const int MaxTypBytes = TokenTypes.MaxBytes + 12;

    /// <summary>`alg` values we know are 5 bytes; a longer one is read into this much and is unknown.</summary>
    private const int MaxAlgBytes = 16;

    /// <summary>9999-12-31T23:59:59Z, the last second DateTime holds.</summary>
    private const long MaxUnixSeconds = 253402300799;

    private const byte Dot = (byte)'.';
    private const byte OpenBrace = (byte)'{';
    private const byte CloseBrace = (byte)'}';

    /// <summary>RFC 4648 §5: the URL- and filename-safe alphabet; no padding, no whitespace (RFC 7515 §2).</summary>
    private static readonly SearchValues<byte> Base64UrlAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"u8);

    /// <summary>RFC 8259 §2 insignificant whitespace.</summary>
    private static ReadOnlySpan<byte> JsonWhitespace => " \t\r\n"u8;

    /// <summary>
    /// RFC 7515 §5.2 / RFC 7519 §4: member names must be unique; a duplicate is refused rather than
    /// resolved (RFC 8725 §3.12: two parsers picking different values is an attack).
    /// </summary>
    private static readonly JsonDocumentOptions PayloadOptions = new() { MaxDepth = 16, AllowDuplicateProperties = false };

    private static readonly JsonReaderOptions HeaderOptions = new() { MaxDepth = 16 };

    private readonly IdentityProvider[] _providers;
    private readonly ILogger _logger;

    public JwsValidator(IdentityProvider[] providers, ILogger logger)
    {
        _providers = providers;
        _logger = logger;
    }

    /// <summary>
    /// Validates <paramref name="token"/> at <paramref name="nowUtcTicks"/>. On success
    /// <paramref name="validated"/> holds the provider and payload (dispose it). A kid the key set
    /// does not know may start a key refresh: then the result is <see cref="AuthFailure.None"/>
    /// with <paramref name="pending"/> set and nothing validated (the caller retries when it completes).
    /// </summary>
    public AuthFailure Validate(ReadOnlySpan<byte> token, long nowUtcTicks, out ValidatedJws validated, out Task? pending)
    {
        validated = default;
        pending = null;

        // RFC 7515 §7.1: BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(signature), exactly
        // two dots; a JWE (RFC 7516 §7.1, four dots) is not a signed token.
        var firstDot = token.IndexOf(Dot);
        if (firstDot <= 0)
        {
            return AuthFailure.Malformed;
        }

        var secondDot = token[(firstDot + 1)..].IndexOf(Dot) + firstDot + 1;
        if (secondDot <= firstDot + 1 || token[(secondDot + 1)..].Contains(Dot))
        {
            return AuthFailure.Malformed;
        }

        var headerSegment = token[..firstDot];
        var payloadSegment = token[(firstDot + 1)..secondDot];
        var signatureSegment = token[(secondDot + 1)..];

        // An empty signature (alg none, RFC 7519 §6.1) is well formed: it is refused by the algorithm check.
        if (!IsBase64Url(headerSegment) || !IsBase64Url(payloadSegment) || !IsBase64Url(signatureSegment))
        {
            return AuthFailure.Malformed;
        }

        var headerMax = Base64Url.GetMaxDecodedLength(headerSegment.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(headerMax + Base64Url.GetMaxDecodedLength(payloadSegment.Length));
        JsonDocument? document = null;
        try
        {
            if (Base64Url.DecodeFromUtf8(headerSegment, buffer, out _, out var headerLength) != OperationStatus.Done
                || Base64Url.DecodeFromUtf8(payloadSegment, buffer.AsSpan(headerMax), out _, out var payloadLength) != OperationStatus.Done)
            {
                return AuthFailure.Malformed;
            }

            // RFC 7515 §5.2 steps 3 and 8: both are UTF-8 JSON; checked once, so no later read throws.
            var headerBytes = buffer.AsSpan(0, headerLength);
            if (!JsonUnicode.IsWellFormed(headerBytes) || !JsonUnicode.IsWellFormed(buffer.AsSpan(headerMax, payloadLength)))
            {
                return AuthFailure.Malformed;
            }

            Span<byte> kidBuffer = stackalloc byte[MaxKidBytes];
            Span<byte> typBuffer = stackalloc byte[MaxTypBytes];
            if (!TryReadHeader(headerBytes, kidBuffer, typBuffer, out var alg, out var kidLength, out var typLength))
            {
                return AuthFailure.Malformed;
            }

            // RFC 7519 §7.2 step 10: the claims set is a JSON object.
            var payloadBytes = buffer.AsMemory(headerMax, payloadLength);
            if (!LooksLikeObject(payloadBytes.Span) || !TryParsePayload(payloadBytes, out document)
                || document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return AuthFailure.Malformed;
            }

            var failure = Validate(token[..secondDot], signatureSegment, alg, kidBuffer[..kidLength], typLength >= 0, typBuffer[..Math.Max(typLength, 0)], document.RootElement, nowUtcTicks, out var provider, out var generation, out pending);
            if (failure != AuthFailure.None || pending is not null)
            {
                return failure;
            }

            validated = new ValidatedJws(provider!, generation, document, buffer);
            document = null;
            buffer = null;
            return AuthFailure.None;
        }
        finally
        {
            document?.Dispose();
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private AuthFailure Validate(
        ReadOnlySpan<byte> signingInput,
        ReadOnlySpan<byte> signatureSegment,
        JwsAlgorithm alg,
        ReadOnlySpan<byte> kid,
        bool hasTyp,
        ReadOnlySpan<byte> typ,
        JsonElement payload,
        long now,
        out IdentityProvider? provider,
        out long generation,
        out Task? pending)
    {
        generation = 0;
        pending = null;

        // The unverified iss only picks the provider; the signature then proves it (RFC 8725 §3.8).
        provider = FindProvider(payload);
        if (provider is null)
        {
            return AuthFailure.InvalidIssuer;
        }

        // RFC 8725 §3.1: the algorithm comes from our allow-list, never from the token alone.
        if (!provider.AllowsAlgorithm(alg))
        {
            return AuthFailure.AlgorithmNotAllowed;
        }

        // RFC 8725 §3.11 / RFC 9068 §2.1: an ID token is no access token where the provider says so.
        if (!provider.AcceptsTokenType(hasTyp, typ))
        {
            return AuthFailure.InvalidTokenType;
        }

        if (!provider.Keys.IsUsable(now))
        {
            return AuthFailure.KeysUnavailable;
        }

        var snapshot = provider.Keys.Current!;
        if (!snapshot.Knows(kid))
        {
            // Rare (key rotation or a bogus kid, rate-limited by the key source): the string is fine here.
            return provider.Keys.TryRefreshForUnknownKid(Encoding.UTF8.GetString(kid), now, out pending) ? AuthFailure.None : AuthFailure.UnknownKey;
        }

        generation = snapshot.Generation;
        var failure = VerifySignature(signingInput, signatureSegment, alg, snapshot.Resolve(kid));
        if (failure == AuthFailure.None)
        {
            failure = ValidateLifetime(payload, now, provider.ClockSkewTicks);
        }

        if (failure == AuthFailure.None)
        {
            failure = ValidateAudience(payload, provider.AudiencesUtf8);
        }

        if (failure != AuthFailure.None)
        {
            PolicyLog.TokenRefused(_logger, failure);
        }

        return failure;
    }

    /// <summary>RFC 7519 §4.1.1 compared exactly (after JSON unescaping) with each provider's issuer.</summary>
    private IdentityProvider? FindProvider(JsonElement payload)
    {
        if (!payload.TryGetProperty("iss"u8, out var iss) || iss.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        // Last match wins, as the issuer dictionary this replaces did.
        for (var i = _providers.Length - 1; i >= 0; i--)
        {
            if (iss.ValueEquals(_providers[i].IssuerUtf8))
            {
                return _providers[i];
            }
        }

        return null;
    }

    /// <summary>RFC 7515 §5.2 steps 5-8: the signature over ASCII(header '.' payload) with one of the candidate keys.</summary>
    private static AuthFailure VerifySignature(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signatureSegment, JwsAlgorithm alg, VerificationKey[] keys)
    {
        if (Base64Url.GetMaxDecodedLength(signatureSegment.Length) > MaxSignatureBytes)
        {
            return AuthFailure.InvalidSignature;
        }

        Span<byte> signature = stackalloc byte[MaxSignatureBytes];
        if (Base64Url.DecodeFromUtf8(signatureSegment, signature, out _, out var signatureLength) != OperationStatus.Done)
        {
            return AuthFailure.InvalidSignature;
        }

        Span<byte> hash = stackalloc byte[MaxHashBytes];
        var hashLength = JwsAlgorithms.HashData(alg, signingInput, hash);

        foreach (var key in keys)
        {
            // A key of the other family (an EC key for RS256) or another curve is skipped, not tried.
            if (key.Supports(alg) && key.Verify(alg, hash[..hashLength], signature[..signatureLength]))
            {
                return AuthFailure.None;
            }
        }

        return AuthFailure.InvalidSignature;
    }

    /// <summary>
    /// RFC 7519 §4.1.4 / §4.1.5 with the configured clock skew: exp required and numeric, the token
    /// expired when exp &lt; now - skew; nbf optional, not yet valid when nbf &gt; now + skew. Both
    /// are whole seconds (a fraction rounds), clamped to the DateTime range.
    /// </summary>
    internal static AuthFailure ValidateLifetime(JsonElement payload, long now, long skewTicks)
    {
        if (!payload.TryGetProperty("exp"u8, out var exp) || exp.ValueKind == JsonValueKind.Null)
        {
            return AuthFailure.MissingExpiration;
        }

        if (!TryGetNumericDate(exp, out var expires))
        {
            return AuthFailure.Malformed;
        }

        if (expires < now - skewTicks)
        {
            return AuthFailure.Expired;
        }

        if (payload.TryGetProperty("nbf"u8, out var nbf) && nbf.ValueKind != JsonValueKind.Null)
        {
            if (!TryGetNumericDate(nbf, out var notBefore))
            {
                return AuthFailure.Malformed;
            }

            if (notBefore > now + skewTicks)
            {
                return AuthFailure.NotYetValid;
            }
        }

        return AuthFailure.None;
    }

    /// <summary>RFC 7519 §4.1.3: aud (a string or an array of strings) must name one of ours; required.</summary>
    internal static AuthFailure ValidateAudience(JsonElement payload, byte[][] audiences)
    {
        if (!payload.TryGetProperty("aud"u8, out var aud))
        {
            return AuthFailure.InvalidAudience;
        }

        if (aud.ValueKind == JsonValueKind.String)
        {
            return IsOurs(aud, audiences) ? AuthFailure.None : AuthFailure.InvalidAudience;
        }

        if (aud.ValueKind != JsonValueKind.Array)
        {
            return AuthFailure.InvalidAudience;
        }

        // "an array of case-sensitive strings": an element of another type makes the claim invalid.
        var found = false;
        foreach (var item in aud.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                return AuthFailure.InvalidAudience;
            }

            found = found || IsOurs(item, audiences);
        }

        return found ? AuthFailure.None : AuthFailure.InvalidAudience;

        static bool IsOurs(JsonElement value, byte[][] audiences)
        {
            foreach (var audience in audiences)
            {
                if (value.ValueEquals(audience))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>RFC 7519 §2 NumericDate: a JSON number of seconds since the epoch, as UTC ticks.</summary>
    private static bool TryGetNumericDate(JsonElement value, out long utcTicks)
    {
        utcTicks = 0;
        if (value.ValueKind != JsonValueKind.Number)
        {
            return false;
        }

        if (!value.TryGetInt64(out var seconds))
        {
            if (!value.TryGetDouble(out var fractional) || double.IsNaN(fractional))
            {
                return false;
            }

            fractional = Math.Round(fractional);
            seconds = fractional >= long.MaxValue ? long.MaxValue : fractional <= long.MinValue ? long.MinValue : (long)fractional;
        }

        utcTicks = seconds <= 0 ? DateTime.UnixEpoch.Ticks
            : seconds >= MaxUnixSeconds ? DateTime.MaxValue.Ticks
            : DateTime.UnixEpoch.Ticks + (seconds * TimeSpan.TicksPerSecond);
        return true;
    }

    /// <summary>
    /// Reads the JOSE header (RFC 7515 §4): `alg` and `kid` (strings), `typ` (<paramref name="typLength"/>
    /// -1 when absent; a non-string or over-long one reads as empty, which no token type matches), `crit` refused (RFC 7515
    /// §4.1.11: we understand no extension), duplicate member names refused, `jku` / `x5u` / `jwk` /
    /// `x5c` ignored (keys only ever come from our own key set). Never throws (run
    /// <see cref="JsonUnicode.IsWellFormed"/> first, or a lone surrogate is a false via a caught exception).
    /// </summary>
    internal static bool TryReadHeader(ReadOnlySpan<byte> header, Span<byte> kidBuffer, Span<byte> typBuffer, out JwsAlgorithm alg, out int kidLength, out int typLength)
    {
        alg = JwsAlgorithm.Unknown;
        kidLength = 0;
        typLength = -1;
        if (!LooksLikeObject(header))
        {
            return false;
        }

        Span<byte> names = stackalloc byte[MaxHeaderNameBytes];
        Span<int> nameEnds = stackalloc int[MaxHeaderMembers];
        Span<byte> algValue = stackalloc byte[MaxAlgBytes];
        var count = 0;
        try
        {
            var reader = new Utf8JsonReader(header, HeaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // RFC 7515 §4: "The Header Parameter names within the JOSE Header MUST be unique".
                var start = count == 0 ? 0 : nameEnds[count - 1];
                if (count == MaxHeaderMembers || !TryCopyString(ref reader, names[start..], out var nameLength))
                {
                    return false;
                }

                var name = names.Slice(start, nameLength);
                for (var i = 0; i < count; i++)
                {
                    var previous = names[(i == 0 ? 0 : nameEnds[i - 1])..nameEnds[i]];
                    if (previous.SequenceEqual(name))
                    {
                        return false;
                    }
                }

                nameEnds[count++] = start + nameLength;
                if (!reader.Read())
                {
                    return false;
                }

                if (name.SequenceEqual("alg"u8))
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return false;
                    }

                    // Longer than any algorithm we know: unknown, refused by the allow-list.
                    alg = TryCopyString(ref reader, algValue, out var algLength) ? JwsAlgorithms.Parse(algValue[..algLength]) : JwsAlgorithm.Unknown;
                }
                else if (name.SequenceEqual("kid"u8))
                {
                    if (reader.TokenType != JsonTokenType.String || !TryCopyString(ref reader, kidBuffer, out kidLength))
                    {
                        return false;
                    }
                }
                else if (name.SequenceEqual("typ"u8))
                {
                    if (reader.TokenType != JsonTokenType.String || !TryCopyString(ref reader, typBuffer, out typLength))
                    {
                        typLength = 0;
                        reader.Skip();
                    }
                }
                else if (name.SequenceEqual("crit"u8))
                {
                    return false;
                }
                else
                {
                    reader.Skip();
                }
            }

            // The object must close and nothing may follow it.
            return reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0 && !reader.Read();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // JsonException: not JSON, too deep. InvalidOperationException (unescaping a lone
            // surrogate) cannot happen after JsonUnicode.IsWellFormed; caught for callers that skip it.
            return false;
        }
    }

    /// <summary>Unescaped copy of the current string or property name; false when it does not fit.</summary>
    private static bool TryCopyString(ref Utf8JsonReader reader, scoped Span<byte> destination, out int length)
    {
        if (!reader.ValueIsEscaped)
        {
            var raw = reader.HasValueSequence ? default : reader.ValueSpan;
            length = raw.Length;
            return raw.TryCopyTo(destination);
        }

        // An escaped value never grows when unescaped, so a raw length that fits is enough.
        if (reader.ValueSpan.Length > destination.Length)
        {
            length = 0;
            return false;
        }

        length = reader.CopyString(destination);
        return true;
    }

    private static bool TryParsePayload(ReadOnlyMemory<byte> payload, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out JsonDocument? document)
    {
        try
        {
            document = JsonDocument.Parse(payload, PayloadOptions);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // The duplicate-name check unescapes names: InvalidOperationException as in TryReadHeader.
            document = null;
            return false;
        }
    }

    /// <summary>Cheap precheck before a JSON reader (which throws on non-JSON): an object's first and last bytes.</summary>
    private static bool LooksLikeObject(ReadOnlySpan<byte> json)
    {
        json = json.Trim(JsonWhitespace);
        return json.Length >= 2 && json[0] == OpenBrace && json[^1] == CloseBrace;
    }

    /// <summary>
    /// RFC 7515 §2 / RFC 4648 §5: base64url without padding or whitespace, and canonical: a length
    /// of 4n+1 cannot occur and the unused low bits of the last character must be zero (RFC 4648
    /// §3.5), so every byte string has exactly one encoding.
    /// </summary>
    internal static bool IsBase64Url(ReadOnlySpan<byte> segment)
    {
        if (segment.ContainsAnyExcept(Base64UrlAlphabet))
        {
            return false;
        }

        return (segment.Length % 4) switch
        {
            0 => true,
            2 => (Sextet(segment[^1]) & 0x0F) == 0,
            3 => (Sextet(segment[^1]) & 0x03) == 0,
            _ => false,
        };
    }

    /// <summary>The 6-bit value of a base64url character (already known to be in the alphabet).</summary>
    private static int Sextet(byte c) => c switch
    {
        (byte)'-' => 62,
        (byte)'_' => 63,
        >= (byte)'a' => c - 'a' + 26,
        >= (byte)'A' => c - 'A',
        _ => c - '0' + 52,
    };
}
