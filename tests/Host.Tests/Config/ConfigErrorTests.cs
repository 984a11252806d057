using FastProxy.Host.Config;

namespace FastProxy.Host.Tests.Config;

public class ConfigErrorTests
{
    [Theory]
    [InlineData("fastproxy.yaml", "routes[1].cluster", 23, "fastproxy.yaml: routes[1].cluster: unknown cluster 'ordrs' (line 23)")]
    [InlineData("fastproxy.yaml", "routes[1].cluster", null, "fastproxy.yaml: routes[1].cluster: unknown cluster 'ordrs'")]
    [InlineData("fastproxy.yaml", "", 1, "fastproxy.yaml: unknown cluster 'ordrs' (line 1)")]
    public void ToString_Parts_FileColonPathColonMessageLine(string file, string path, int? line, string expected)
    {
        Assert.Equal(expected, new ConfigError(file, path, "unknown cluster 'ordrs'", line).ToString());
    }
}
