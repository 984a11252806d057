using FastProxy.Host.Metrics;

namespace FastProxy.Host.Tests.Metrics;

public class PrometheusTextWriterTests
{
    [Fact]
    public void Sample_LabelValueWithQuoteBackslashNewline_Escaped()
    {
        var writer = new PrometheusTextWriter();
        writer.Family("x_total", MetricType.Counter, "help");

        writer.Sample("x_total", 3L, ("route", "a\"b\\c\nd"));

        Assert.Contains("x_total{route=\"a\\\"b\\\\c\\nd\"} 3\n", writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Family_HelpWithBackslashAndNewline_EscapedQuoteKept()
    {
        var writer = new PrometheusTextWriter();

        writer.Family("x", MetricType.Gauge, "a \\ b\nc \"d\"");

        Assert.Equal("# HELP x a \\\\ b\\nc \"d\"\n# TYPE x gauge\n", writer.ToString());
    }

    [Fact]
    public void Family_DeclaredTwice_Throws()
    {
        var writer = new PrometheusTextWriter();
        writer.Family("x_total", MetricType.Counter, "help");

        Assert.Throws<InvalidOperationException>(() => writer.Family("x_total", MetricType.Counter, "again"));
    }

    [Fact]
    public void Sample_NoLabels_NameSpaceValue()
    {
        var writer = new PrometheusTextWriter();

        writer.Sample("up", 1L);
        writer.Sample("ratio", 0.25);
        writer.Sample("inf", double.PositiveInfinity);

        Assert.Equal("up 1\nratio 0.25\ninf +Inf\n", writer.ToString());
    }

    [Fact]
    public void Histogram_SlotCounts_CumulativeBucketsInfSumCount()
    {
        var writer = new PrometheusTextWriter();
        writer.Family("d_seconds", MetricType.Histogram, "help");

        writer.Histogram("d_seconds", ["0.1", "1"], [2, 0, 3], 4.5, ("route", "r"));

        var expected =
            "# HELP d_seconds help\n# TYPE d_seconds histogram\n" +
            "d_seconds_bucket{route=\"r\",le=\"0.1\"} 2\n" +
            "d_seconds_bucket{route=\"r\",le=\"1\"} 2\n" +
            "d_seconds_bucket{route=\"r\",le=\"+Inf\"} 5\n" +
            "d_seconds_sum{route=\"r\"} 4.5\n" +
            "d_seconds_count{route=\"r\"} 5\n";
        Assert.Equal(expected, writer.ToString());
    }

    [Fact]
    public void Histogram_WrongSlotCount_Throws()
    {
        var writer = new PrometheusTextWriter();

        Assert.Throws<ArgumentException>(() => writer.Histogram("d", ["1"], [1], 0.0));
    }
}
