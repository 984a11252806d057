using FastProxy.Host.Cli;
using FastProxy.Host.Config;

namespace FastProxy.Host.Commands;

/// <summary>Loads the configuration named on the command line, applies the CLI overrides, and prints every error.</summary>
internal static class ConfigFiles
{
    public static (FastProxyConfig? Config, string BaseDirectory) Load(CliInvocation cli)
    {
        if (string.IsNullOrEmpty(cli.ConfigPath))
        {
            Console.Error.WriteLine("fastproxy: --config FILE is required (or try 'fastproxy demo')");
            return (null, "");
        }

        var result = ConfigLoader.Load(cli.ConfigPath);
        if (!result.Success || result.Config is null)
        {
            foreach (var error in result.Errors)
            {
                Console.Error.WriteLine($"fastproxy: {error}");
            }

            return (null, result.BaseDirectory);
        }

        try
        {
            return (ConfigOverrides.ApplyOverrides(result.Config, cli), result.BaseDirectory);
        }
        catch (FormatException ex)
        {
            Console.Error.WriteLine($"fastproxy: {ex.Message}");
            return (null, result.BaseDirectory);
        }
    }
}
