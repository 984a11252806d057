using FastProxy.Policy.Identity;

namespace FastProxy.Policy.Tests.Identity;

public sealed class JwsAlgorithmsTests
{
    [Theory]
    [InlineData("RS256", (int)JwsAlgorithm.RS256)]
    [InlineData("RS384", (int)JwsAlgorithm.RS384)]
    [InlineData("RS512", (int)JwsAlgorithm.RS512)]
    [InlineData("PS256", (int)JwsAlgorithm.PS256)]
    [InlineData("PS384", (int)JwsAlgorithm.PS384)]
    [InlineData("PS512", (int)JwsAlgorithm.PS512)]
    [InlineData("ES256", (int)JwsAlgorithm.ES256)]
    [InlineData("ES384", (int)JwsAlgorithm.ES384)]
    [InlineData("ES512", (int)JwsAlgorithm.ES512)]
    public void Parse_KnownName_Algorithm(string name, int value)
    {
        var expected = (JwsAlgorithm)value;
        Assert.Equal(expected, JwsAlgorithms.Parse(name));
        Assert.Equal(expected, JwsAlgorithms.Parse(System.Text.Encoding.ASCII.GetBytes(name)));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("HS256")]
    [InlineData("rs256")]
    [InlineData("RS255")]
    [InlineData("ES256K")]
    [InlineData("EdDSA")]
    [InlineData("")]
    [InlineData("RS25\u00e9")]
    public void Parse_OtherName_Unknown(string name)
        => Assert.Equal(JwsAlgorithm.Unknown, JwsAlgorithms.Parse(name));

    [Fact]
    public void Families_EveryKnownAlgorithm_ExactlyOne()
    {
        for (var alg = JwsAlgorithm.RS256; alg <= JwsAlgorithm.ES512; alg++)
        {
            Assert.NotEqual(JwsAlgorithms.IsRsa(alg), JwsAlgorithms.IsEcdsa(alg));
        }

        Assert.False(JwsAlgorithms.IsRsa(JwsAlgorithm.Unknown) || JwsAlgorithms.IsEcdsa(JwsAlgorithm.Unknown));
    }
}
