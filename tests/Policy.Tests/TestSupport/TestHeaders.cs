using System.Text;
using FastProxy.Core.Gate;

namespace FastProxy.Policy.Tests.TestSupport;

/// <summary>Request headers for tests: an ordered list, names compared ASCII case-insensitively.</summary>
internal sealed class TestHeaders : IRequestHeaders
{
    private readonly List<(byte[] Name, byte[] Value)> _fields = [];

    public TestHeaders Add(string name, string value)
    {
        _fields.Add((Encoding.ASCII.GetBytes(name), Encoding.UTF8.GetBytes(value)));
        return this;
    }

    public static TestHeaders Bearer(string token) => new TestHeaders().Add("Authorization", "Bearer " + token);

    public bool TryGetFirst(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        foreach (var (fieldName, fieldValue) in _fields)
        {
            if (Ascii.EqualsIgnoreCase(fieldName, name))
            {
                value = fieldValue;
                return true;
            }
        }

        value = default;
        return false;
    }

    public int Count(ReadOnlySpan<byte> name)
    {
        var count = 0;
        foreach (var (fieldName, _) in _fields)
        {
            if (Ascii.EqualsIgnoreCase(fieldName, name))
            {
                count++;
            }
        }

        return count;
    }
}
