using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using FastProxy.Policy.Config;

namespace FastProxy.Host.Config;

/// <summary>
/// Fills every key the document leaves out with the model's default before binding.
/// <para>
/// Why: source-generated System.Text.Json sets init-only properties through the constructor path and
/// passes default(T) for absent keys, so `{ get; init; } = "enforce"` would come back null and
/// `ForwardAuthorization = true` false (https://github.com/dotnet/runtime/issues/84484, open). The
/// records stay immutable; instead each object in the document gets the missing keys copied from a
/// serialized default instance, walking the generated metadata (no reflection, AOT-safe).
/// </para>
/// An explicit YAML/JSON null for a key means "not given" and takes the default too; a null list
/// item or mapping value is refused, since nothing downstream can act on it.
/// </summary>
internal static class ConfigDefaults
{
    /// <summary>A default instance of every object type in the document. A type missing here fails loudly (see <see cref="Fill"/>).</summary>
    private static readonly Dictionary<Type, Func<object>> Factories = new()
    {
        [typeof(FastProxyConfig)] = static () => new FastProxyConfig(),
        [typeof(ListenerConfig)] = static () => new ListenerConfig(),
        [typeof(TlsListenerConfig)] = static () => new TlsListenerConfig(),
        [typeof(ProxyProtocolConfig)] = static () => new ProxyProtocolConfig(),
        [typeof(SniCertificateConfig)] = static () => new SniCertificateConfig(),
        [typeof(LimitsConfig)] = static () => new LimitsConfig(),
        [typeof(TimeoutsConfig)] = static () => new TimeoutsConfig(),
        [typeof(Http2Config)] = static () => new Http2Config(),
        [typeof(ClusterConfig)] = static () => new ClusterConfig(),
        [typeof(ClusterTlsConfig)] = static () => new ClusterTlsConfig(),
        [typeof(ClusterHttp2Config)] = static () => new ClusterHttp2Config(),
        [typeof(AdminConfig)] = static () => new AdminConfig(),
        [typeof(LogConfig)] = static () => new LogConfig(),
        [typeof(AccessLogConfig)] = static () => new AccessLogConfig(),
        [typeof(AuditConfig)] = static () => new AuditConfig(),
        [typeof(IdentityConfig)] = static () => new IdentityConfig(),
        [typeof(IdentityProviderConfig)] = static () => new IdentityProviderConfig(),
        [typeof(TokenSourceConfig)] = static () => new TokenSourceConfig(),
        [typeof(TokenCacheConfig)] = static () => new TokenCacheConfig(),
        [typeof(RouteConfig)] = static () => new RouteConfig(),
        [typeof(RouteMatchConfig)] = static () => new RouteMatchConfig(),
        [typeof(RuleConfig)] = static () => new RuleConfig(),
        [typeof(ClientCertRuleConfig)] = static () => new ClientCertRuleConfig(),
        [typeof(TimeWindowConfig)] = static () => new TimeWindowConfig(),
        [typeof(UpstreamIdentityConfig)] = static () => new UpstreamIdentityConfig(),
        [typeof(PolicyTestConfig)] = static () => new PolicyTestConfig(),
    };

    private static readonly Dictionary<Type, JsonObject> DefaultsCache = [];
    private static readonly Lock CacheLock = new();

    /// <summary>Fills <paramref name="node"/> (a value of <paramref name="typeInfo"/>'s type) in place.</summary>
    public static void Fill(JsonNode? node, JsonTypeInfo typeInfo, string path, LineMap lines)
    {
        switch (typeInfo.Kind)
        {
            case JsonTypeInfoKind.Object when node is JsonObject obj:
                FillObject(obj, typeInfo, path, lines);
                break;
            case JsonTypeInfoKind.Enumerable when node is JsonArray array:
            {
                var element = typeInfo.Options.GetTypeInfo(typeInfo.ElementType!);
                for (var i = 0; i < array.Count; i++)
                {
                    var itemPath = DocumentPath.Index(path, i);
                    if (array[i] is null)
                    {
                        throw new ConfigSyntaxException(itemPath, "empty list item", lines.Find(itemPath));
                    }

                    Fill(array[i], element, itemPath, lines);
                }

                break;
            }

            case JsonTypeInfoKind.Dictionary when node is JsonObject map:
            {
                var element = typeInfo.Options.GetTypeInfo(typeInfo.ElementType!);
                foreach (var (key, value) in map)
                {
                    var valuePath = DocumentPath.Property(path, key);
                    if (value is null)
                    {
                        throw new ConfigSyntaxException(valuePath, "empty value", lines.Find(valuePath));
                    }

                    Fill(value, element, valuePath, lines);
                }

                break;
            }
        }
    }

    private static void FillObject(JsonObject obj, JsonTypeInfo typeInfo, string path, LineMap lines)
    {
        var defaults = DefaultsFor(typeInfo);
        foreach (var property in typeInfo.Properties)
        {
            var name = property.Name;
            if (!obj.TryGetPropertyValue(name, out var value) || value is null)
            {
                obj[name] = defaults[name]?.DeepClone();
                continue;
            }

            Fill(value, typeInfo.Options.GetTypeInfo(property.PropertyType), DocumentPath.Property(path, name), lines);
        }
    }

    private static JsonObject DefaultsFor(JsonTypeInfo typeInfo)
    {
        lock (CacheLock)
        {
            if (DefaultsCache.TryGetValue(typeInfo.Type, out var cached))
            {
                return cached;
            }

            if (!Factories.TryGetValue(typeInfo.Type, out var factory))
            {
                // A new record type was added to the model without a default instance here: binding it
                // would silently lose its defaults, so refuse to run instead.
                throw new InvalidOperationException($"ConfigDefaults has no default instance for {typeInfo.Type.Name}; add it to ConfigDefaults.Factories");
            }

            var json = JsonSerializer.SerializeToNode(factory(), typeInfo) as JsonObject
                ?? throw new InvalidOperationException($"default {typeInfo.Type.Name} did not serialize to an object");
            DefaultsCache[typeInfo.Type] = json;
            return json;
        }
    }
}
