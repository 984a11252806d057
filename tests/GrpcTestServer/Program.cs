using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using FastProxy.GrpcTestServer;

// Standalone: dotnet run -c Release --project tests/GrpcTestServer -- --port 9002 [--tls-cert server.pem --tls-key server.key]
// Prints "listening on PORT" once it accepts calls, and runs until SIGTERM / Ctrl-C.
var port = 9002;
string? certPath = null;
string? keyPath = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length:
            port = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--tls-cert" when i + 1 < args.Length:
            certPath = args[++i];
            break;
        case "--tls-key" when i + 1 < args.Length:
            keyPath = args[++i];
            break;
        default:
            await Console.Error.WriteLineAsync($"unknown argument '{args[i]}'; usage: --port N [--tls-cert PEM --tls-key PEM]");
            return 2;
    }
}

using var certificate = certPath is null ? null : X509Certificate2.CreateFromPemFile(certPath, keyPath);
var chain = new X509Certificate2Collection();
if (certPath is not null)
{
    // Everything after the leaf in the PEM file is sent along as the chain.
    chain.ImportFromPemFile(certPath);
    chain.RemoveAt(0);
}

await using var server = await EchoServer.StartAsync(port, certificate, intermediates: chain);
Console.WriteLine($"listening on {server.Port}");
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // asked to stop
}

return 0;
