using System.Text;
using FastProxy.Policy.Identity;

namespace FastProxy.Policy.Tests.Identity;

/// <summary>The precheck that keeps System.Text.Json from throwing on token text later (RFC 8259 §8).</summary>
public sealed class JsonUnicodeTests
{
    [Theory]
    [InlineData("{}")]
    [InlineData("{\"a\":\"plain\"}")]
    [InlineData("{\"a\":\"\\ud83d\\ude00\"}")]
    [InlineData("{\"a\":\"\\uD83D\\uDE00\"}")]
    [InlineData("{\"a\":\"\\\\udc00\"}")]
    [InlineData("{\"a\":\"\\\\\\ud800\\udc00\"}")]
    [InlineData("{\"a\":\"\\u0041\\n\\\"\\/\"}")]
    [InlineData("{\"a\":\"é😀\"}")]
    public void IsWellFormed_ValidText_True(string json)
        => Assert.True(JsonUnicode.IsWellFormed(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("{\"a\":\"\\udc00\"}")]
    [InlineData("{\"a\":\"\\ud800\"}")]
    [InlineData("{\"a\":\"\\ud800x\"}")]
    [InlineData("{\"a\":\"\\ud800\\u0041\"}")]
    [InlineData("{\"a\":\"\\ud800\\ud800\"}")]
    [InlineData("{\"a\":\"\\\\\\udc00\"}")]
    [InlineData("{\"\\uDFFF\":1}")]
    [InlineData("{\"a\":\"\\ud800\\u")]
    [InlineData("{\"a\":\"\\")]
    [InlineData("{\"a\":\"\\u12\"}")]
    public void IsWellFormed_UnpairedSurrogateOrBrokenEscape_False(string json)
        => Assert.False(JsonUnicode.IsWellFormed(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData(new byte[] { 0x22, 0xFF, 0x22 })]
    [InlineData(new byte[] { 0x22, 0xC0, 0x80, 0x22 })]
    [InlineData(new byte[] { 0x22, 0xED, 0xA0, 0x80, 0x22 })]
    [InlineData(new byte[] { 0x22, 0xF4, 0x90, 0x80, 0x80, 0x22 })]
    public void IsWellFormed_InvalidUtf8_False(byte[] json)
        => Assert.False(JsonUnicode.IsWellFormed(json));
}
