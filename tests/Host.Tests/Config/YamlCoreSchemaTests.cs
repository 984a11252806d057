using FastProxy.Host.Config;

namespace FastProxy.Host.Tests.Config;

public class YamlCoreSchemaTests
{
    [Theory]
    [InlineData("", "Null")]
    [InlineData("~", "Null")]
    [InlineData("NULL", "Null")]
    [InlineData("nULL", "String")]
    [InlineData("True", "True")]
    [InlineData("FALSE", "False")]
    [InlineData("yes", "String")]
    [InlineData("0", "Number")]
    [InlineData("-12", "Number")]
    [InlineData("0x1aF", "Number")]
    [InlineData("0o777", "Number")]
    [InlineData("0o8", "String")]
    [InlineData("0xG", "String")]
    [InlineData("-0x1", "String")]
    [InlineData("1.5e-3", "Number")]
    [InlineData(".5", "Number")]
    [InlineData(".", "String")]
    [InlineData("1e", "String")]
    [InlineData("-.inf", "Number")]
    [InlineData(".NaN", "Number")]
    [InlineData("-.nan", "String")]
    [InlineData("1_000", "String")]
    [InlineData("127.0.0.1", "String")]
    [InlineData("GET", "String")]
    public void Classify_PlainScalar_CoreSchemaKind(string value, string expected)
    {
        Assert.Equal(expected, YamlCoreSchema.Classify(value).ToString());
    }

    [Theory]
    [InlineData("+5", "5")]
    [InlineData("-0", "-0")]
    [InlineData("000", "0")]
    [InlineData("0.50", "0.50")]
    [InlineData("+.5E+2", "0.5E+2")]
    [InlineData("12.", "12")]
    [InlineData("0xff", "255")]
    [InlineData("0o10", "8")]
    [InlineData("0xFFFFFFFFFFFFFFFF", "18446744073709551615")]
    public void TryToJsonNumber_CoreNumber_ValidJsonNumber(string value, string expected)
    {
        Assert.True(YamlCoreSchema.TryToJsonNumber(value, out var json));
        Assert.Equal(expected, json);
    }

    [Theory]
    [InlineData(".inf")]
    [InlineData(".nan")]
    [InlineData("0x1FFFFFFFFFFFFFFFF")]
    [InlineData("0o7777777777777777777777777")]
    public void TryToJsonNumber_NotRepresentable_False(string value)
    {
        Assert.False(YamlCoreSchema.TryToJsonNumber(value, out _));
    }
}
