using FastProxy.Http.Http2;

namespace FastProxy.Http.Tests.Http2;

public sealed class Http2ReceiveCreditTests
{
    [Fact]
    public void OnConsumed_GrantsInBatchesOfHalfTheWindow()
    {
        var credit = new Http2ReceiveCredit(65_535);
        Assert.Equal(0, credit.OnConsumed(16_384));
        Assert.Equal(0, credit.OnConsumed(16_382));
        Assert.Equal(32_767, credit.OnConsumed(1));
        Assert.Equal(0, credit.OnConsumed(100));
    }
}
