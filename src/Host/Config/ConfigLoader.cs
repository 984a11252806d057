using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastProxy.Host.Cli;

namespace FastProxy.Host.Config;

/// <summary>
/// Loads `fastproxy.yaml` (or `.yml`, or `.json`): YAML is turned into JSON by the event parser, then
/// bound by the source-generated <see cref="ConfigJsonContext"/> (no reflection, AOT-safe), then every
/// section is validated. All errors name the file, the path in the document and, where known, the line.
/// </summary>
public static class ConfigLoader
{
    /// <summary>4 MiB: a generous configuration is tens of kilobytes; the cap keeps a wrong file from eating memory.</summary>
    public const int MaxFileBytes = 4 * 1024 * 1024;

    /// <summary>The name used for errors that come from command-line flags.</summary>
    public const string CommandLineSource = "command line";

    public static ConfigLoadResult Load(string path) => Load(path, overrides: null);

    /// <summary>Loads <paramref name="path"/>, applies the CLI flags over it, then validates the result; errors in overridden values name the flag.</summary>
    public static ConfigLoadResult Load(string path, CliInvocation? overrides)
    {
        ArgumentNullException.ThrowIfNull(path);
        var fullPath = Path.GetFullPath(path);
        var baseDirectory = Path.GetDirectoryName(fullPath) ?? Directory.GetCurrentDirectory();
        var extension = Path.GetExtension(path);
        bool isYaml;
        if (extension.Equals(".yaml", StringComparison.OrdinalIgnoreCase) || extension.Equals(".yml", StringComparison.OrdinalIgnoreCase))
        {
            isYaml = true;
        }
        else if (extension.Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            isYaml = false;
        }
        else
        {
            return Failed(path, "", "unknown configuration format; use a .yaml, .yml or .json file", baseDirectory);
        }

        string text;
        try
        {
            var info = new FileInfo(fullPath);
            if (!info.Exists)
            {
                return Failed(path, "", "file not found", baseDirectory);
            }

            if (info.Length > MaxFileBytes)
            {
                return Failed(path, "", $"file is larger than {MaxFileBytes} bytes", baseDirectory);
            }

            text = File.ReadAllText(fullPath, Encoding.UTF8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Failed(path, "", "cannot read the file: " + ex.Message, baseDirectory);
        }

        return LoadCore(text, path, isYaml, baseDirectory, overrides);
    }

    /// <summary>Loads configuration text; <paramref name="fileNameForMessages"/> is only used in error messages.</summary>
    public static ConfigLoadResult LoadFromText(string text, string fileNameForMessages, bool isYaml)
        => LoadCore(text, fileNameForMessages, isYaml, Directory.GetCurrentDirectory(), overrides: null);

    /// <summary>Validates a configuration built in code (e.g. demo mode); errors carry no line.</summary>
    public static IReadOnlyList<ConfigError> Validate(FastProxyConfig config, string fileNameForMessages)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = new ConfigErrorSink(fileNameForMessages, LineMap.Empty);
        ConfigValidator.Validate(config, errors);
        return errors.Errors;
    }

    internal static ConfigLoadResult LoadCore(string text, string file, bool isYaml, string baseDirectory, CliInvocation? overrides)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..]; // a byte order mark read as text; Utf8JsonReader would refuse it
        }

        if (text.Length > MaxFileBytes)
        {
            return Failed(file, "", $"configuration is larger than {MaxFileBytes} bytes", baseDirectory);
        }

        var lines = new LineMap();
        FastProxyConfig config;
        try
        {
            byte[] json;
            if (isYaml)
            {
                json = YamlToJsonConverter.Convert(text, lines);
            }
            else
            {
                json = Encoding.UTF8.GetBytes(text);
                JsonLineMapper.Map(json, lines);
            }

            config = Bind(json, lines);
        }
        catch (ConfigSyntaxException ex)
        {
            return new ConfigLoadResult(null, [new ConfigError(file, ex.DocumentPath, ex.Message, ex.Line)], baseDirectory);
        }

        var errors = new ConfigErrorSink(file, lines);
        if (overrides is not null)
        {
            var overridden = ConfigOverrides.ApplyOverrides(config, overrides);
            var all = new ConfigErrorSink(file, lines);
            ConfigValidator.Validate(overridden, all);
            foreach (var error in all.Errors)
            {
                errors.Add(ConfigOverrides.FlagFor(error.Path, overrides) is { } flag
                    ? new ConfigError(CommandLineSource, flag, error.Message, null)
                    : error);
            }

            config = overridden;
        }
        else
        {
            ConfigValidator.Validate(config, errors);
        }

        return new ConfigLoadResult(config, errors.Errors, baseDirectory);
    }

    private static FastProxyConfig Bind(byte[] json, LineMap lines)
    {
        try
        {
            var typeInfo = ConfigJsonContext.Default.FastProxyConfig;
            var node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
                MaxDepth = YamlToJsonConverter.MaxDepth + 1,
            });
            if (node is null)
            {
                node = new JsonObject();
            }

            ConfigDefaults.Fill(node, typeInfo, "", lines);
            return node.Deserialize(typeInfo) ?? new FastProxyConfig();
        }
        catch (JsonException ex)
        {
            var path = DocumentPath.FromJsonPath(ex.Path);
            var message = JsonErrorText.Describe(ex, ref path);
            throw new ConfigSyntaxException(path, message, lines.Find(path));
        }
    }

    private static ConfigLoadResult Failed(string file, string path, string message, string baseDirectory)
        => new(null, [new ConfigError(file, path, message, null)], baseDirectory);
}
