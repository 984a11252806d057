using FastProxy.Core.Upstream;

namespace FastProxy.Core.Tests.Upstream;

public sealed class UpstreamPoolOptionsTests
{
    [Fact]
    public void EffectiveMaxPendingRequests_Unset_FourTimesMaxConnections()
    {
        Assert.Equal(4 * 512, new UpstreamPoolOptions().EffectiveMaxPendingRequests);
        Assert.Equal(40, new UpstreamPoolOptions { MaxConnectionsPerEndpoint = 10 }.EffectiveMaxPendingRequests);
    }

    [Fact]
    public void EffectiveMaxPendingRequests_Set_UsedAsIs()
    {
        Assert.Equal(7, new UpstreamPoolOptions { MaxConnectionsPerEndpoint = 10, MaxPendingRequestsPerEndpoint = 7 }.EffectiveMaxPendingRequests);
        Assert.Equal(0, new UpstreamPoolOptions { MaxPendingRequestsPerEndpoint = 0 }.EffectiveMaxPendingRequests);
    }

    [Fact]
    public void EffectiveMaxPendingRequests_HugeMaxConnections_DoesNotOverflow()
    {
        Assert.Equal(int.MaxValue, new UpstreamPoolOptions { MaxConnectionsPerEndpoint = int.MaxValue }.EffectiveMaxPendingRequests);
    }
}
