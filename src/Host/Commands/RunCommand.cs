using System.Runtime.InteropServices;
using FastProxy.Core.Processes;
using FastProxy.Core.Transport.Epoll;
using FastProxy.Host.Admin;
using FastProxy.Host.Cli;
using FastProxy.Host.Config;
using FastProxy.Host.Demo;
using FastProxy.Host.Metrics;
using FastProxy.Host.Observability;
using FastProxy.Host.Proxy;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Commands;

/// <summary>`fastproxy run`: serve a configuration until SIGTERM/SIGINT; reload it on SIGHUP or when the file changes.</summary>
internal static class RunCommand
{
    public static async Task<int> RunAsync(CliInvocation cli, CancellationToken stop)
    {
        var loaded = ConfigFiles.Load(cli);
        if (loaded.Config is null)
        {
            return 1;
        }

        await using var loggers = ProcessLogging.Create(loaded.Config.Log.Level);
        var logger = loggers.CreateLogger("FastProxy.Host");

        // Audit trail, metrics and access log outlive the host: the audit file is flushed last.
        await using var observers = RequestObservers.Create(loaded.Config, loaded.BaseDirectory, TimeProvider.System, loggers);
        ProxyHost host;
        try
        {
            var options = new ProxyHostOptions
            {
                BaseDirectory = loaded.BaseDirectory,
                NoAuth = cli.NoAuth,
                UseEpoll = cli.IoEngine is null ? EpollEngine.IsSupported : string.Equals(cli.IoEngine, "epoll", StringComparison.Ordinal),
                Observer = observers.Observer,
                DenyWhenAuditUnavailable = observers.DenyWhenAuditUnavailable,
            };
            host = await ProxyHost.StartAsync(loaded.Config, options, loggers, stop);
        }
        catch (ConfigRejectedException ex)
        {
            foreach (var error in ex.Errors)
            {
                Console.Error.WriteLine($"fastproxy: {cli.ConfigPath}: {error}");
            }

            return 1;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException)
        {
            Console.Error.WriteLine($"fastproxy: cannot start: {ex.Message}");
            return 1;
        }

        await using (host)
        {
            observers.Metrics.Sources = MetricsSources.ForHost(host, observers.AuditValues);
            await using var admin = await StartAdminAsync(loaded.Config, host, observers, loggers, stop);

            // Before the "listening" line: a SIGHUP sent as soon as the proxy announces itself
            // must reload it, not kill it (SIGHUP's default action ends the process).
            await using var reloads = new ReloadTrigger(WatchedFiles.Of(cli.ConfigPath!, loaded.Config, loaded.BaseDirectory));
            if (SighupDisposition.RestoreIfIgnored())
            {
                HostLog.SighupWasIgnored(logger);
            }

            using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx =>
            {
                ctx.Cancel = true;
                reloads.Request();
            });

            for (var i = 0; i < host.BoundEndPoints.Count; i++)
            {
                // Plain stdout line: scripts and tests wait for it (log levels do not hide it).
                var scheme = i < loaded.Config.Listeners.Count && loaded.Config.Listeners[i].Tls is not null ? "https" : "http";
                CliOutput.WriteLine($"fastproxy: listening on {scheme}://{host.BoundEndPoints[i]}");
            }

            while (!stop.IsCancellationRequested)
            {
                if (!await reloads.WaitAsync(stop))
                {
                    break;
                }

                var next = ConfigFiles.Load(cli);
                if (next.Config is null)
                {
                    // Keep watching what the running configuration reads; the broken file is among it.
                    Interlocked.Increment(ref host.Counters.ReloadsFailed);
                    HostLog.ReloadRejected(logger, "see the errors above");
                    continue;
                }

                try
                {
                    await host.ReloadAsync(next.Config, stop);
                    reloads.Watch(WatchedFiles.Of(cli.ConfigPath!, next.Config, loaded.BaseDirectory));
                }
                catch (ConfigRejectedException ex)
                {
                    HostLog.ReloadRejected(logger, ex.Message);
                }
            }

            await host.StopAsync();
        }

        return 0;
    }

    private static async Task<AdminServer?> StartAdminAsync(FastProxyConfig config, ProxyHost host, RequestObservers observers, ILoggerFactory loggers, CancellationToken stop)
    {
        if (string.IsNullOrEmpty(config.Admin.Address))
        {
            return null;
        }

        var admin = await AdminServer.StartAsync(EndpointParser.ParseListen(config.Admin.Address), AdminState.ForHost(host, observers.Metrics), loggers, stop);
        CliOutput.WriteLine($"fastproxy: admin on http://{admin.BoundEndPoint}");
        return admin;
    }

    public static async Task<int> RunDemoAsync(CliInvocation cli, CancellationToken stop)
    {
        await using var loggers = ProcessLogging.Create(cli.LogLevel ?? "information");
        var listen = cli.Listen.Count > 0 ? cli.Listen[0] : "127.0.0.1:8080";
        return await DemoCommand.RunAsync(listen, loggers, stop);
    }
}
