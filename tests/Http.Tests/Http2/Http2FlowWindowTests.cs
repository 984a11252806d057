using FastProxy.Http.Http2;

namespace FastProxy.Http.Tests.Http2;

public sealed class Http2FlowWindowTests
{
    [Fact]
    public void TryConsume_MoreThanAvailable_RefusedAndUnchanged()
    {
        var window = new Http2FlowWindow(Http2Settings.DefaultInitialWindowSize);
        Assert.True(window.TryConsume(65_000));
        Assert.False(window.TryConsume(536));
        Assert.Equal(535, window.Available);
        Assert.True(window.TryConsume(535));
        Assert.Equal(0, window.Available);
    }

    [Fact]
    public void TryGrow_Past2To31Minus1_RefusedAsFlowControlError()
    {
        var window = new Http2FlowWindow(Http2Settings.DefaultInitialWindowSize);
        Assert.True(window.TryGrow(int.MaxValue - 65_535));
        Assert.Equal(int.MaxValue, window.Available);
        Assert.False(window.TryGrow(1));
    }

    [Fact]
    public void TryAdjust_SettingsLowered_WindowGoesNegativeThenRecovers()
    {
        // RFC 9113 §6.9.2: a smaller SETTINGS_INITIAL_WINDOW_SIZE can leave a send window negative.
        var window = new Http2FlowWindow(65_535);
        Assert.True(window.TryConsume(60_000));
        Assert.True(window.TryAdjust(16_384 - 65_535));
        Assert.Equal(-43_616, window.Available);
        Assert.False(window.TryConsume(1));
        Assert.True(window.TryGrow(50_000));
        Assert.Equal(6_384, window.Available);
        Assert.False(window.TryAdjust(int.MaxValue));
    }
}
