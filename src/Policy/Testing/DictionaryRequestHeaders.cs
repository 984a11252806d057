using System.Text;
using FastProxy.Core.Gate;

namespace FastProxy.Policy.Testing;

/// <summary>Request headers from a list of name/value pairs: policy tests and explain (not the hot path).</summary>
internal sealed class DictionaryRequestHeaders : IRequestHeaders
{
    private readonly List<(byte[] Name, byte[] Value)> _fields = [];

    public DictionaryRequestHeaders Add(string name, string value)
    {
        _fields.Add((Encoding.ASCII.GetBytes(name), Encoding.UTF8.GetBytes(value)));
        return this;
    }

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
