using System.Net;
using FastProxy.Core.Transport;
using FastProxy.Core.Upstream;

namespace FastProxy.Benchmarks.Mocks;

/// <summary>An upstream connector that hands out one prepared connection (the pool keeps it for every later request).</summary>
internal sealed class BenchConnector(TransportConnection connection) : IUpstreamConnector
{
    public ValueTask<TransportConnection> ConnectAsync(EndPoint endpoint, TimeSpan connectTimeout, CancellationToken ct) => ValueTask.FromResult(connection);
}
