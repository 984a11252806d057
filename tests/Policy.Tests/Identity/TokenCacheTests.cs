using System.Text;
using FastProxy.Policy.Identity;

namespace FastProxy.Policy.Tests.Identity;

public sealed class TokenCacheTests
{
    private static Principal Entry(string token, ulong hash, long expires)
        => new(0, "iss", "sub", [], [], expires, 1) { TokenBytes = Encoding.ASCII.GetBytes(token), TokenHash = hash };

    [Fact]
    public void TryGet_AddedToken_Hit()
    {
        var cache = new TokenCache(16);
        var entry = Entry("a.b.c", 42, long.MaxValue);
        cache.Add(entry, 0);

        Assert.True(cache.TryGet("a.b.c"u8, 42, 0, out var found));
        Assert.Same(entry, found);
    }

    [Fact]
    public void TryGet_SameHashDifferentBytes_Miss()
    {
        var cache = new TokenCache(16);
        cache.Add(Entry("a.b.c", 42, long.MaxValue), 0);

        Assert.False(cache.TryGet("a.b.d"u8, 42, 0, out _));
    }

    [Fact]
    public void TryGet_PastExp_Miss()
    {
        var cache = new TokenCache(16);
        cache.Add(Entry("a.b.c", 42, 100), 0);

        Assert.True(cache.TryGet("a.b.c"u8, 42, 99, out _));
        Assert.False(cache.TryGet("a.b.c"u8, 42, 100, out _));
    }

    [Fact]
    public void Add_ThirdTokenOnSameSlotPair_KeepsTwoAndEvictsSoonestExpiring()
    {
        var cache = new TokenCache(16);
        cache.Add(Entry("t1", 4, 1000), 0);
        cache.Add(Entry("t2", 4, 500), 0);
        cache.Add(Entry("t3", 4, 2000), 0);

        Assert.True(cache.TryGet("t1"u8, 4, 0, out _));
        Assert.False(cache.TryGet("t2"u8, 4, 0, out _));
        Assert.True(cache.TryGet("t3"u8, 4, 0, out _));
    }

    [Fact]
    public void Remove_Entry_Miss()
    {
        var cache = new TokenCache(16);
        var entry = Entry("a.b.c", 42, long.MaxValue);
        cache.Add(entry, 0);

        cache.Remove(entry);

        Assert.False(cache.TryGet("a.b.c"u8, 42, 0, out _));
    }

    [Fact]
    public void SizeZero_Disabled()
    {
        var cache = new TokenCache(0);
        cache.Add(Entry("a.b.c", 42, long.MaxValue), 0);

        Assert.False(cache.Enabled);
        Assert.False(cache.TryGet("a.b.c"u8, 42, 0, out _));
    }

    [Fact]
    public void Capacity_RoundedUpToPowerOfTwo()
        => Assert.Equal(1024, new TokenCache(1000).Capacity);

    [Fact]
    public void TokenHash_SameInput_SameHash_ChangedTailOrLength_DifferentHash()
    {
        var a = Encoding.ASCII.GetBytes(new string('h', 100) + "." + new string('p', 300) + ".sigA" + new string('x', 80));
        var c = Encoding.ASCII.GetBytes(new string('h', 100) + "." + new string('p', 300) + ".sigA" + new string('x', 40) + "y" + new string('x', 39));

        Assert.Equal(TokenHash.Compute(a), TokenHash.Compute(a.ToArray()));
        Assert.NotEqual(TokenHash.Compute(a), TokenHash.Compute(c));
        Assert.NotEqual(TokenHash.Compute(a.AsSpan(1)), TokenHash.Compute(a));
    }
}
