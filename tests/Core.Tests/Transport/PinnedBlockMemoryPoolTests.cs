using FastProxy.Core.Transport;

namespace FastProxy.Core.Tests.Transport;

public sealed class PinnedBlockMemoryPoolTests
{
    [Fact]
    public void Rent_AfterReturn_ReusesBlock()
    {
        using var pool = new PinnedBlockMemoryPool();
        var first = pool.Rent();
        var memory = first.Memory;
        Assert.Equal(PinnedBlockMemoryPool.DefaultBlockSize, memory.Length);
        Assert.Equal(1, pool.Outstanding);

        first.Dispose();
        Assert.Equal(0, pool.Outstanding);
        Assert.Equal(1, pool.RetainedCount);

        var second = pool.Rent(100);
        Assert.Same(first, second);
        second.Dispose();
    }

    [Fact]
    public void Trim_DropsRetainedBeyondKeep_AndCountsActivity()
    {
        using var pool = new PinnedBlockMemoryPool();
        var before = pool.ActivityStamp;
        var blocks = Enumerable.Range(0, 10).Select(_ => pool.Rent()).ToList();
        Assert.Equal(before + 10, pool.ActivityStamp);
        blocks.ForEach(b => b.Dispose());
        Assert.Equal(10, pool.RetainedCount);

        Assert.Equal(7, pool.Trim(keep: 3));
        Assert.Equal(3, pool.RetainedCount);
        Assert.Equal(0, pool.Outstanding);
        Assert.Equal(0, pool.Trim(keep: 3));
    }

    [Fact]
    public void Return_BeyondMaxRetained_DropsBlock()
    {
        using var pool = new PinnedBlockMemoryPool(maxRetainedBlocks: 2);
        var blocks = Enumerable.Range(0, 4).Select(_ => pool.Rent()).ToList();
        Assert.Equal(4, pool.Outstanding);

        blocks.ForEach(b => b.Dispose());

        Assert.Equal(2, pool.RetainedCount);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Dispose_Twice_ReturnsTheBlockOnce()
    {
        using var pool = new PinnedBlockMemoryPool();
        var block = pool.Rent();

        block.Dispose();
        block.Dispose();

        Assert.Equal(1, pool.RetainedCount);
        Assert.Equal(0, pool.Outstanding);
        var first = pool.Rent();
        var second = pool.Rent();
        Assert.NotSame(first, second);
        first.Dispose();
        second.Dispose();
    }

    [Fact]
    public void Dispose_AfterTheBlockWasRentedAgain_ReturnsItOnceMore()
    {
        using var pool = new PinnedBlockMemoryPool();
        var block = pool.Rent();
        block.Dispose();

        var again = pool.Rent();
        Assert.Same(block, again);
        again.Dispose();

        Assert.Equal(1, pool.RetainedCount);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Rent_LargerThanBlock_Throws()
    {
        using var pool = new PinnedBlockMemoryPool();
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(PinnedBlockMemoryPool.DefaultBlockSize + 1));
    }
}
