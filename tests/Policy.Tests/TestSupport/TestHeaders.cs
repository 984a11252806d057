using FastProxy.Policy.Testing;

namespace FastProxy.Policy.Tests.TestSupport;

/// <summary>Request headers for tests: the <see cref="DictionaryRequestHeaders"/> that policy tests and explain use.</summary>
internal static class TestHeaders
{
    public static DictionaryRequestHeaders Bearer(string token) => new DictionaryRequestHeaders().Add("Authorization", "Bearer " + token);
}
