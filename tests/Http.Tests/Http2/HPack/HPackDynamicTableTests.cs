using System.Text;
using FastProxy.Http.Http2.HPack;

namespace FastProxy.Http.Tests.Http2.HPack;

public sealed class HPackDynamicTableTests
{
    [Fact]
    public void Insert_CountsNameValueAnd32_NewestIsIndexOne()
    {
        using var table = new HPackDynamicTable(4096);
        Insert(table, "custom-key", "custom-header");
        Insert(table, "a", "b");

        Assert.Equal(2, table.Count);
        Assert.Equal(10 + 13 + 32 + 1 + 1 + 32, table.Size);
        Assert.Equal(("a", "b"), Get(table, 1));
        Assert.Equal(("custom-key", "custom-header"), Get(table, 2));
    }

    [Fact]
    public void Dispose_NeverInsertedInto_NothingToReturn()
    {
        // The buffers are rented by the first insert: a table that never got one has none to give back.
        var table = new HPackDynamicTable(4096);
        table.SetMaxSize(100);
        table.Clear();

        table.Dispose();
        table.Dispose();

        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Insert_AfterDispose_Throws()
    {
        var table = new HPackDynamicTable(4096);
        table.Dispose();

        Assert.Throws<ObjectDisposedException>(() => Insert(table, "a", "b"));
    }

    [Fact]
    public void Insert_OverMaxSize_EvictsOldestFirst()
    {
        using var table = new HPackDynamicTable(100);
        Insert(table, "a", "1"); // 34
        Insert(table, "b", "2"); // 68
        Insert(table, "c", "3"); // 102 > 100: "a" goes

        Assert.Equal(2, table.Count);
        Assert.Equal(68, table.Size);
        Assert.Equal(("c", "3"), Get(table, 1));
        Assert.Equal(("b", "2"), Get(table, 2));
    }

    [Fact]
    public void Insert_EntryLargerThanTable_EmptiesTableAndIsNotAdded()
    {
        using var table = new HPackDynamicTable(64);
        Insert(table, "a", "1");
        Insert(table, "long-name", new string('v', 40));

        Assert.Equal(0, table.Count);
        Assert.Equal(0, table.Size);
    }

    [Fact]
    public void SetMaxSize_Smaller_Evicts()
    {
        using var table = new HPackDynamicTable(4096);
        Insert(table, "a", "1");
        Insert(table, "b", "2");
        table.SetMaxSize(40);

        Assert.Equal(1, table.Count);
        Assert.Equal(("b", "2"), Get(table, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.SetMaxSize(4097));
    }

    [Fact]
    public void Insert_ManyEntries_WrapsAndCompactsWithoutCorruption()
    {
        using var table = new HPackDynamicTable(256);
        for (var i = 0; i < 2000; i++)
        {
            Insert(table, "k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), new string((char)('a' + (i % 26)), i % 50));
            var newest = i;
            for (var index = 1; index <= table.Count; index++)
            {
                var n = newest - index + 1;
                Assert.Equal(("k" + n.ToString(System.Globalization.CultureInfo.InvariantCulture), new string((char)('a' + (n % 26)), n % 50)), Get(table, index));
            }

            Assert.True(table.Size <= 256);
        }
    }

    [Theory]
    [InlineData(4096, 1)]
    [InlineData(4096, 2)]
    [InlineData(65536, 3)]
    public void Insert_SizesFromTinyToWholeTable_GrowsWithoutCorruption(int capacity, int seed)
    {
        // The buffers start small and grow with what is inserted; a reference FIFO says what the table must hold.
        var random = new Random(seed);
        using var table = new HPackDynamicTable(capacity);
        var model = new List<(string Name, string Value)>();
        for (var i = 0; i < 3000; i++)
        {
            var name = "n" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var valueLength = random.Next(4) switch { 0 => random.Next(0, 8), 1 => random.Next(8, 200), 2 => random.Next(200, capacity / 3), _ => random.Next(0, capacity) };
            var value = new string((char)('a' + (i % 26)), valueLength);
            Insert(table, name, value);

            model.Insert(0, (name, value));
            var size = 0;
            for (var k = 0; k < model.Count; k++)
            {
                size += model[k].Name.Length + model[k].Value.Length + HPackDynamicTable.EntryOverhead;
                if (size > capacity)
                {
                    model.RemoveRange(k, model.Count - k);
                    break;
                }
            }

            Assert.Equal(model.Count, table.Count);
            for (var index = 1; index <= table.Count; index++)
            {
                Assert.Equal(model[index - 1], Get(table, index));
            }
        }
    }

    [Fact]
    public void Insert_ShrinkThenGrowMaxSize_KeepsNewestEntries()
    {
        using var table = new HPackDynamicTable(4096);
        for (var i = 0; i < 60; i++)
        {
            Insert(table, "k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), new string('v', 30));
        }

        table.SetMaxSize(200);
        table.SetMaxSize(4096);
        Insert(table, "last", "x");

        Assert.Equal(("last", "x"), Get(table, 1));
        Assert.Equal(("k59", new string('v', 30)), Get(table, 2));
        Assert.Equal(("k57", new string('v', 30)), Get(table, 4));
        Assert.Equal(4, table.Count);
    }

    [Fact]
    public void Find_WholeMatchAndNameMatch()
    {
        using var table = new HPackDynamicTable(4096);
        Insert(table, "x", "1");
        Insert(table, "x", "2");

        Assert.Equal(2, table.Find("x"u8, "1"u8, out var nameIndex));
        Assert.Equal(1, nameIndex);
        Assert.Equal(0, table.Find("x"u8, "3"u8, out nameIndex));
        Assert.Equal(1, nameIndex);
    }

    private static void Insert(HPackDynamicTable table, string name, string value) =>
        table.Insert(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value));

    private static (string, string) Get(HPackDynamicTable table, int index)
    {
        table.Get(index, out var name, out var value);
        return (Encoding.ASCII.GetString(name), Encoding.ASCII.GetString(value));
    }
}
