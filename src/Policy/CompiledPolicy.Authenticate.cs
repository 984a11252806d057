using System.Runtime.CompilerServices;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Policy.Evaluation;
using FastProxy.Policy.Identity;

namespace FastProxy.Policy;

/// <summary>Finding and validating the bearer token: cache hit without allocating, full validation on a miss.</summary>
public sealed partial class CompiledPolicy
{
    private const byte Space = (byte)' ';
    private const byte Semicolon = (byte)';';
    private const byte EqualsSign = (byte)'=';
    private const byte Ampersand = (byte)'&';

    private static ReadOnlySpan<byte> AuthorizationName => "authorization"u8;

    private static ReadOnlySpan<byte> CookieName => "cookie"u8;

    private static ReadOnlySpan<byte> BearerScheme => "bearer"u8;

    private static ReadOnlySpan<byte> AccessTokenParameter => "access_token"u8;

    private AuthFailure Authenticate(in GateRequest request, CompiledRoute route, long now, out Principal? principal, out Task? pending)
    {
        principal = null;
        pending = null;
        if (!TryFindToken(request, route, out var token, out var failure))
        {
            return failure;
        }

        // Cap before any parsing: a huge token costs nothing but this compare.
        if (token.Length > _maxTokenBytes)
        {
            return AuthFailure.TooLarge;
        }

        // The second evaluation of a request whose token was verified off the loop (the same token, route and policy).
        // A finished task: GetResult does not block.
        if (request.Settled is Task<OffLoopVerification> { IsCompletedSuccessfully: true } settled
            && settled.GetAwaiter().GetResult() is var verified && verified.Policy == this)
        {
            principal = verified.Principal;
            pending = verified.KeysStillPending;
            return verified.Failure;
        }

        ulong hash = 0;
        if (_cache.Enabled)
        {
            hash = TokenHash.Compute(token);
            if (_cache.TryGet(token, hash, now, out var cached))
            {
                var keys = _providers[cached.ProviderIndex].Keys;
                if (!keys.IsUsable(now))
                {
                    return AuthFailure.KeysUnavailable;
                }

                // A token validated under an older key set is validated again (its key may be retired).
                if (keys.Current!.Generation == cached.KeyGeneration)
                {
                    Interlocked.Increment(ref Counters.CacheHits);
                    if ((route.ProviderMask & (1UL << cached.ProviderIndex)) == 0)
                    {
                        return AuthFailure.ProviderNotAccepted;
                    }

                    principal = cached;
                    return AuthFailure.None;
                }

                _cache.Remove(cached);
            }

            Interlocked.Increment(ref Counters.CacheMisses);
            if (VerifiesMissesOffLoop && request.Settled is null)
            {
                Interlocked.Increment(ref Counters.OffLoopVerifications);
                pending = VerifyOffLoopAsync(token.ToArray(), hash, route);
                return AuthFailure.None;
            }
        }

        return ValidateMiss(token, hash, route, now, out principal, out pending);
    }

    /// <summary>
    /// Authorization: Bearer (RFC 6750 §2.1; the scheme is case-insensitive, RFC 9110 §11.1), then
    /// the configured cookie, then `access_token` in the query if the route opts in (RFC 6750 §2.3).
    /// </summary>
    private bool TryFindToken(in GateRequest request, CompiledRoute route, out ReadOnlySpan<byte> token, out AuthFailure failure)
    {
        token = default;
        failure = AuthFailure.MissingCredential;
        var headers = request.Headers;

        // RFC 9110 §5.3: Authorization is not a list field; two of them are an ambiguous request.
        var count = headers.Count(AuthorizationName);
        if (count > 1)
        {
            failure = AuthFailure.MultipleAuthorizationHeaders;
            return false;
        }

        if (count == 1 && headers.TryGetFirst(AuthorizationName, out var authorization))
        {
            // RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token
            if (authorization.Length > BearerScheme.Length && authorization[BearerScheme.Length] == Space
                && Ascii.EqualsIgnoreCase(authorization[..BearerScheme.Length], BearerScheme))
            {
                token = authorization[(BearerScheme.Length + 1)..].Trim(Space);
                if (token.IsEmpty)
                {
                    failure = AuthFailure.Malformed;
                    return false;
                }

                return true;
            }
        }

        if (_cookieName is not null && headers.TryGetFirst(CookieName, out var cookie) && TryGetPair(cookie, Semicolon, _cookieName, out token))
        {
            return !token.IsEmpty || Fail(out failure);
        }

        if (route.QueryToken && TryGetPair(request.Query, Ampersand, AccessTokenParameter, out token))
        {
            return !token.IsEmpty || Fail(out failure);
        }

        return false;

        static bool Fail(out AuthFailure failure)
        {
            failure = AuthFailure.Malformed;
            return false;
        }
    }

    /// <summary>Finds `name=value` in a `;`- (cookie, RFC 6265 §4.2.1) or `&amp;`-separated list.</summary>
    private static bool TryGetPair(ReadOnlySpan<byte> list, byte separator, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        while (!list.IsEmpty)
        {
            var end = list.IndexOf(separator);
            var pair = (end < 0 ? list : list[..end]).Trim(Space);
            list = end < 0 ? default : list[(end + 1)..];
            var eq = pair.IndexOf(EqualsSign);
            if (eq == name.Length && pair[..eq].SequenceEqual(name))
            {
                value = pair[(eq + 1)..];
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Whether cache misses are verified on the thread pool (see <see cref="PolicyCompileOptions.VerifyTokenMissesOffLoop"/>).</summary>
    internal bool VerifiesMissesOffLoop { get; set; }

    /// <summary>
    /// Verifies a cache miss on the thread pool: the signature check (tens of microseconds for RSA, more for a key
    /// refresh) then runs beside the event loops instead of stalling one. An unknown kid waits for its one key refresh
    /// here and is verified again; keys still missing after it leave the request to the caller's second-Retry refusal.
    /// A valid token lands in the cache as on the inline path.
    /// </summary>
    private Task<OffLoopVerification> VerifyOffLoopAsync(byte[] token, ulong hash, CompiledRoute route)
        => Task.Run(async () =>
        {
            var failure = ValidateMiss(token, hash, route, _time.GetUtcNow().UtcTicks, out var principal, out var keys);
            if (keys is not null)
            {
                try
                {
                    await keys.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // The refresh reports its own failure; the check below decides.
                }

                failure = ValidateMiss(token, hash, route, _time.GetUtcNow().UtcTicks, out principal, out keys);
            }

            return new OffLoopVerification(this, failure, principal, keys);
        });

    /// <summary>Validates a token outside a request (explain): full validation, no cache.</summary>
    internal AuthFailure ValidateForExplain(ReadOnlySpan<byte> token, CompiledRoute route, out Principal? principal)
    {
        if (token.Length > _maxTokenBytes)
        {
            principal = null;
            return AuthFailure.TooLarge;
        }

        var failure = ValidateMiss(token, 0, route, _time.GetUtcNow().UtcTicks, out principal, out var pending);
        return pending is not null ? AuthFailure.UnknownKey : failure;
    }

    /// <summary>
    /// A token not in the cache: full validation by <see cref="JwsValidator"/> (one decode, one
    /// payload parse), then the principal is built from that same parsed payload and cached.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private AuthFailure ValidateMiss(ReadOnlySpan<byte> token, ulong hash, CompiledRoute route, long now, out Principal? principal, out Task? pending)
    {
        principal = null;
        var failure = _jws.Validate(token, now, out var validated, out pending);
        if (failure != AuthFailure.None || pending is not null)
        {
            return failure;
        }

        var provider = validated.Provider;
        using (validated)
        {
            principal = PrincipalBuilder.Build(validated.Payload, _claims, provider.Index, _routes.Length, validated.KeyGeneration, _cache.Enabled ? token.ToArray() : null, hash);
        }

        if (hash != 0)
        {
            _cache.Add(principal, now);
        }

        if ((route.ProviderMask & (1UL << provider.Index)) == 0)
        {
            principal = null;
            return AuthFailure.ProviderNotAccepted;
        }

        return AuthFailure.None;
    }
}
