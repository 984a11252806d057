using System.Globalization;
using System.Text.Json;
using FastProxy.Core.Transport.Epoll;
using FastProxy.Host.Config;
using FastProxy.Host.Logging;

namespace FastProxy.Host.Cli;

/// <summary>
/// The `fastproxy` command line, parsed by hand (no reflection, AOT-safe). Options take their value
/// as `--flag value` or `--flag=value`; `--` ends the options. Every mistake (unknown command or
/// option, missing or malformed value, an option the command does not take, a repeated option)
/// yields one clear message; the caller prints it and exits with <see cref="CliParseResult.UsageExitCode"/>.
/// </summary>
public static class CliParser
{
    private static readonly CliCommand[] Serve = [CliCommand.Run, CliCommand.Check];
    private static readonly CliCommand[] Listening = [CliCommand.Run, CliCommand.Check, CliCommand.Demo];
    private static readonly CliCommand[] WithConfig = [CliCommand.Run, CliCommand.Check, CliCommand.PolicyExplain];
    private static readonly CliCommand[] Explain = [CliCommand.PolicyExplain];

    /// <summary>Every option and the commands that take it.</summary>
    private static readonly Dictionary<string, CliCommand[]> Options = new(StringComparer.Ordinal)
    {
        ["--config"] = WithConfig,
        ["--listen"] = Listening,
        ["--max-connections"] = Serve,
        ["--header-timeout"] = Serve,
        ["--idle-timeout"] = Serve,
        ["--connect-timeout"] = Serve,
        ["--response-timeout"] = Serve,
        ["--drain-timeout"] = Serve,
        ["--max-header-bytes"] = Serve,
        ["--token-cache-size"] = Serve,
        ["--log-level"] = Listening,
        ["--admin"] = Serve,
        ["--tls-cert"] = Serve,
        ["--tls-key"] = Serve,
        ["--request"] = Explain,
        ["--token"] = Explain,
        ["--claims"] = Explain,
        ["--no-auth"] = Serve,
        ["--io-engine"] = Serve,
    };

    /// <summary>Options that are switches: they take no value.</summary>
    private static readonly HashSet<string> Switches = new(StringComparer.Ordinal) { "--no-auth" };

    public static string HelpText { get; } =
        """
        fastproxy - zero-trust L7 access proxy

        Usage:
          fastproxy [run] --config FILE [options]     serve with a configuration file
          fastproxy demo [--listen ADDR]              built-in demo: proxy + in-process upstream; prints curl commands
          fastproxy check --config FILE [options]     validate the configuration and compile the policy; exit 0 or 1
          fastproxy policy test FILE                  run the tests: section of FILE
          fastproxy policy explain --config FILE --request "GET https://host/path" [--token T | --claims JSON]
                                                      explain the decision for one request (anonymous without token/claims)
          fastproxy audit verify FILE...              verify audit log files
          fastproxy --help | -h                       show this help
          fastproxy --version                         show the version

        Options for run and check (they override the configuration file):
          --config FILE              configuration file (.yaml, .yml or .json)
          --listen ADDR              listen address, e.g. 0.0.0.0:8080 or [::]:8080; repeatable; replaces the file's listeners
          --max-connections N        concurrent client connections
          --header-timeout SECONDS   time to receive a request head
          --idle-timeout SECONDS     keep-alive idle time
          --connect-timeout SECONDS  upstream connect timeout
          --response-timeout SECONDS upstream response timeout
          --drain-timeout SECONDS    graceful shutdown drain time
          --max-header-bytes N       request header size limit
          --token-cache-size N       validated-token cache entries (0 disables the cache)
          --log-level LEVEL          trace, debug, information, warning, error, critical or none
          --admin ADDR               admin endpoint address, e.g. 127.0.0.1:9901
          --tls-cert FILE            TLS on every listener with this PEM chain (leaf first); needs --tls-key
          --tls-key FILE             the PEM private key of --tls-cert
          --no-auth                  plain proxying: no authentication or policy (benchmarks of proxying alone)
          --io-engine ENGINE         epoll (FastProxy's own loops; default on Linux x86-64) or sockets (.NET's engine)

        Options take their value as --flag VALUE or --flag=VALUE.
        Exit codes: 0 success, 1 failure (invalid configuration, failed tests), 2 usage error.
        """;

    public static CliParseResult Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (WantsHelpOrVersion(args) is { } early)
        {
            return CliParseResult.Ok(new CliInvocation { Command = early });
        }

        if (args.Count == 0)
        {
            return CliParseResult.Fail("missing --config FILE (run 'fastproxy --help' for usage)");
        }

        var position = 0;
        if (!TryReadCommand(args, ref position, out var command, out var commandError))
        {
            return CliParseResult.Fail(commandError);
        }

        if (command is CliCommand.Help or CliCommand.Version)
        {
            return position < args.Count
                ? CliParseResult.Fail($"unexpected argument '{args[position]}'")
                : CliParseResult.Ok(new CliInvocation { Command = command });
        }

        var invocation = new CliInvocation { Command = command };
        var listen = new List<string>();
        var positional = new List<string>();
        var given = new HashSet<string>(StringComparer.Ordinal);
        var optionsEnded = false;
        for (; position < args.Count; position++)
        {
            var arg = args[position];
            if (optionsEnded || arg.Length < 2 || arg[0] != '-')
            {
                positional.Add(arg);
                continue;
            }

            if (arg is "--")
            {
                optionsEnded = true;
                continue;
            }

            var name = arg;
            string? value = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 2)
            {
                name = arg[..equals];
                value = arg[(equals + 1)..];
            }

            if (!Options.TryGetValue(name, out var commands))
            {
                return CliParseResult.Fail($"unknown option '{name}' (run 'fastproxy --help' for usage)");
            }

            if (Array.IndexOf(commands, command) < 0)
            {
                return CliParseResult.Fail($"option '{name}' is not valid for 'fastproxy {CommandName(command)}'");
            }

            if (Switches.Contains(name))
            {
                if (value is not null)
                {
                    return CliParseResult.Fail($"option '{name}' takes no value");
                }

                value = "true";
            }

            if (value is null)
            {
                if (position + 1 >= args.Count || args[position + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    return CliParseResult.Fail($"option '{name}' needs a value");
                }

                value = args[++position];
            }

            if (name is not "--listen" && !given.Add(name))
            {
                return CliParseResult.Fail($"option '{name}' is given more than once");
            }

            if (!TryApply(ref invocation, listen, name, value, out var error))
            {
                return CliParseResult.Fail(error);
            }
        }

        if ((invocation.TlsCertificate is null) != (invocation.TlsKey is null))
        {
            return CliParseResult.Fail("options '--tls-cert' and '--tls-key' go together: give both");
        }

        invocation = invocation with { Listen = listen };
        return Finish(invocation, positional);
    }

    private static CliCommand? WantsHelpOrVersion(IReadOnlyList<string> args)
    {
        foreach (var arg in args)
        {
            if (arg is "--")
            {
                break;
            }

            if (arg is "--help" or "-h")
            {
                return CliCommand.Help;
            }
        }

        return args.Count > 0 && args[0] is "--version" ? CliCommand.Version : null;
    }

    private static bool TryReadCommand(IReadOnlyList<string> args, ref int position, out CliCommand command, out string error)
    {
        error = "";
        command = CliCommand.Run;
        var first = args[0];
        if (first.StartsWith('-'))
        {
            return true; // options only: the default command, run
        }

        position = 1;
        switch (first)
        {
            case "run":
                command = CliCommand.Run;
                return true;
            case "demo":
                command = CliCommand.Demo;
                return true;
            case "check":
                command = CliCommand.Check;
                return true;
            case "help":
                command = CliCommand.Help;
                return true;
            case "version":
                command = CliCommand.Version;
                return true;
            case "policy":
                return TryReadSubcommand(args, ref position, "policy", ("test", CliCommand.PolicyTest), ("explain", CliCommand.PolicyExplain), out command, out error);
            case "audit":
                return TryReadSubcommand(args, ref position, "audit", ("verify", CliCommand.AuditVerify), ("verify", CliCommand.AuditVerify), out command, out error);
            default:
                error = $"unknown command '{first}'; expected run, demo, check, policy test, policy explain or audit verify";
                return false;
        }
    }

    private static bool TryReadSubcommand(
        IReadOnlyList<string> args, ref int position, string group, (string Name, CliCommand Command) a, (string Name, CliCommand Command) b, out CliCommand command, out string error)
    {
        command = CliCommand.Run;
        error = "";
        var expected = string.Equals(a.Name, b.Name, StringComparison.Ordinal) ? $"'{a.Name}'" : $"'{a.Name}' or '{b.Name}'";
        if (position >= args.Count)
        {
            error = $"'fastproxy {group}' needs a subcommand: {expected}";
            return false;
        }

        var word = args[position++];
        if (string.Equals(word, a.Name, StringComparison.Ordinal))
        {
            command = a.Command;
            return true;
        }

        if (string.Equals(word, b.Name, StringComparison.Ordinal))
        {
            command = b.Command;
            return true;
        }

        error = $"unknown subcommand 'fastproxy {group} {word}'; expected {expected}";
        return false;
    }

    private static bool TryApply(ref CliInvocation invocation, List<string> listen, string name, string value, out string error)
    {
        error = "";
        switch (name)
        {
            case "--config":
                if (value.Length == 0)
                {
                    error = "option '--config' needs a file name";
                    return false;
                }

                invocation = invocation with { ConfigPath = value };
                return true;
            case "--listen":
                if (!EndpointAddress.TryParseListen(value, out _, out var listenError))
                {
                    error = "option '--listen': " + listenError;
                    return false;
                }

                listen.Add(value);
                return true;
            case "--tls-cert":
            case "--tls-key":
                if (value.Length == 0)
                {
                    error = $"option '{name}' needs a file name";
                    return false;
                }

                // Relative to the working directory, as a user typing the command expects (the file's paths are relative to the file).
                invocation = string.Equals(name, "--tls-cert", StringComparison.Ordinal) ? invocation with { TlsCertificate = Path.GetFullPath(value) } : invocation with { TlsKey = Path.GetFullPath(value) };
                return true;
            case "--admin":
                if (!EndpointAddress.TryParseListen(value, out _, out var adminError))
                {
                    error = "option '--admin': " + adminError;
                    return false;
                }

                invocation = invocation with { AdminAddress = value };
                return true;
            case "--log-level":
                if (!LogLevels.TryParse(value, out _))
                {
                    error = $"option '--log-level': unknown level '{value}'; expected one of {LogLevels.Names}";
                    return false;
                }

                invocation = invocation with { LogLevel = value };
                return true;
            case "--max-connections":
            case "--max-header-bytes":
            case "--token-cache-size":
                if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    error = $"option '{name}' expects a whole number, got '{value}'";
                    return false;
                }

                invocation = name switch
                {
                    "--max-connections" => invocation with { MaxConnections = number },
                    "--max-header-bytes" => invocation with { MaxHeaderBytes = number },
                    _ => invocation with { TokenCacheSize = number },
                };
                return true;
            case "--request":
                if (!IsRequestLine(value))
                {
                    error = $"option '--request' expects \"METHOD URL\", e.g. \"GET https://api.example.com/orders/7\", got '{value}'";
                    return false;
                }

                invocation = invocation with { ExplainRequest = value };
                return true;
            case "--no-auth":
                invocation = invocation with { NoAuth = true };
                return true;
            case "--io-engine":
                if (value is not ("epoll" or "sockets"))
                {
                    error = $"option '--io-engine': unknown engine '{value}'; expected epoll or sockets";
                    return false;
                }

                if (string.Equals(value, "epoll", StringComparison.Ordinal) && !EpollEngine.IsSupported)
                {
                    error = "option '--io-engine': epoll needs Linux on x86-64; use sockets";
                    return false;
                }

                invocation = invocation with { IoEngine = value };
                return true;
            case "--token":
                invocation = invocation with { ExplainToken = value };
                return true;
            case "--claims":
                if (!IsJsonObject(value))
                {
                    error = "option '--claims' expects a JSON object, e.g. '{\"sub\":\"alice\",\"roles\":[\"orders.read\"]}'";
                    return false;
                }

                invocation = invocation with { ExplainClaims = value };
                return true;
            default:
                return TryApplySeconds(ref invocation, name, value, out error);
        }
    }

    private static bool TryApplySeconds(ref CliInvocation invocation, string name, string value, out string error)
    {
        error = "";
        if (!double.TryParse(value, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds) || !double.IsFinite(seconds))
        {
            error = $"option '{name}' expects a number of seconds, got '{value}'";
            return false;
        }

        invocation = name switch
        {
            "--header-timeout" => invocation with { HeaderTimeoutSeconds = seconds },
            "--idle-timeout" => invocation with { IdleTimeoutSeconds = seconds },
            "--connect-timeout" => invocation with { ConnectTimeoutSeconds = seconds },
            "--response-timeout" => invocation with { ResponseTimeoutSeconds = seconds },
            _ => invocation with { DrainTimeoutSeconds = seconds },
        };
        return true;
    }

    private static CliParseResult Finish(CliInvocation invocation, List<string> positional)
    {
        var command = invocation.Command;
        switch (command)
        {
            case CliCommand.PolicyTest:
                if (positional.Count != 1)
                {
                    return CliParseResult.Fail(positional.Count == 0
                        ? "'fastproxy policy test' needs a FILE"
                        : $"'fastproxy policy test' takes one FILE; unexpected '{positional[1]}'");
                }

                return CliParseResult.Ok(invocation with { PolicyFile = positional[0] });
            case CliCommand.AuditVerify:
                return positional.Count == 0
                    ? CliParseResult.Fail("'fastproxy audit verify' needs at least one FILE")
                    : CliParseResult.Ok(invocation with { AuditFiles = positional });
        }

        if (positional.Count > 0)
        {
            return CliParseResult.Fail($"unexpected argument '{positional[0]}' for 'fastproxy {CommandName(command)}'");
        }

        if (command is CliCommand.Run or CliCommand.Check or CliCommand.PolicyExplain && invocation.ConfigPath is null)
        {
            return CliParseResult.Fail($"'fastproxy {CommandName(command)}' needs --config FILE");
        }

        if (command == CliCommand.PolicyExplain)
        {
            if (invocation.ExplainRequest is null)
            {
                return CliParseResult.Fail("'fastproxy policy explain' needs --request \"METHOD URL\"");
            }

            if (invocation.ExplainToken is not null && invocation.ExplainClaims is not null)
            {
                return CliParseResult.Fail("'fastproxy policy explain' takes --token or --claims, not both");
            }
        }

        return CliParseResult.Ok(invocation);
    }

    /// <summary>"METHOD URL": an HTTP token, one space, then an absolute http(s) URL or an origin-form path.</summary>
    private static bool IsRequestLine(string value)
    {
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || space == value.Length - 1)
        {
            return false;
        }

        var target = value[(space + 1)..];
        return !target.Contains(' ', StringComparison.Ordinal)
            && (target.StartsWith('/')
                || target.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
    }

    private static bool IsJsonObject(string value)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    internal static string CommandName(CliCommand command) => command switch
    {
        CliCommand.Run => "run",
        CliCommand.Demo => "demo",
        CliCommand.Check => "check",
        CliCommand.PolicyTest => "policy test",
        CliCommand.PolicyExplain => "policy explain",
        CliCommand.AuditVerify => "audit verify",
        CliCommand.Help => "help",
        _ => "version",
    };
}
