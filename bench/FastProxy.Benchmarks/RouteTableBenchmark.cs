using BenchmarkDotNet.Attributes;
using FastProxy.Core.Gate;
using FastProxy.Core.Routing;

namespace FastProxy.Benchmarks;

/// <summary>Route match for a request on the 8th of 10 routes (host + path + method): the per-request cost of routing.</summary>
[MemoryDiagnoser]
[BenchmarkCategory("HotPath")]
public class RouteTableBenchmark
{
    private RouteTable _table = null!;
    private byte[] _host = null!;
    private byte[] _path = null!;
    private byte[] _miss = null!;

    [GlobalSetup]
    public void Setup()
    {
        var routes = new List<RouteSpec>();
        for (var i = 0; i < 7; i++)
        {
            routes.Add(new RouteSpec("svc" + i + ".example.com", "/v1/items" + i + "/**", ["GET"]));
        }

        routes.Add(new RouteSpec("api.example.com", "/orders/**", ["GET", "HEAD"]));
        routes.Add(new RouteSpec("*.example.com", "/health", null));
        routes.Add(new RouteSpec(null, "/public/*", ["GET"]));
        _table = new RouteTable(routes);
        _host = "API.example.com"u8.ToArray();
        _path = "/orders/12345/lines"u8.ToArray();
        _miss = "/nothing/here"u8.ToArray();
    }

    [Benchmark]
    public int MatchHit()
    {
        _table.Match(_host, _path, RequestMethod.Get, "GET"u8, out var index);
        return index;
    }

    [Benchmark]
    public int MatchMiss()
    {
        _table.Match(_host, _miss, RequestMethod.Get, "GET"u8, out var index);
        return index;
    }
}
