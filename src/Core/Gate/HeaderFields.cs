using System.Text;

namespace FastProxy.Core.Gate;

/// <summary>
/// An immutable, validated list of header fields (name/value pairs) that the gate adds to a response
/// or to the upstream request. Built once (policy compile, identity render) and written per request
/// through <see cref="WriteTo"/> without allocating. Construction refuses anything that could change
/// the message's framing when written: a name that is not a token, a value with CR, LF, NUL or another
/// control character, so no sink ever has to escape or re-check.
/// </summary>
public sealed class HeaderFields
{
    private readonly byte[][] _names;
    private readonly byte[][] _values;

    private HeaderFields(byte[][] names, byte[][] values)
    {
        _names = names;
        _values = values;
    }

    public static HeaderFields Empty { get; } = new([], []);

    public int Count => _names.Length;

    public ReadOnlySpan<byte> NameAt(int index) => _names[index];

    public ReadOnlySpan<byte> ValueAt(int index) => _values[index];

    /// <summary>Writes every field, in order, to <paramref name="sink"/>.</summary>
    public void WriteTo<TSink>(ref TSink sink)
        where TSink : IHeaderSink, allows ref struct
    {
        var names = _names;
        var values = _values;
        for (var i = 0; i < names.Length; i++)
        {
            sink.Add(names[i], values[i]);
        }
    }

    /// <summary>One field; names are ASCII, values UTF-8. Throws <see cref="ArgumentException"/> for an invalid one.</summary>
    public static HeaderFields Create(string name, string value) => new Builder().Add(name, value).Build();

    /// <summary>Collects fields, validating each as it is added.</summary>
    public sealed class Builder
    {
        private readonly List<byte[]> _names = [];
        private readonly List<byte[]> _values = [];

        public int Count => _names.Count;

        /// <summary>Adds a field; throws <see cref="ArgumentException"/> when the name is not a token or the value not a field value.</summary>
        public Builder Add(string name, string value)
        {
            ArgumentNullException.ThrowIfNull(name);
            ArgumentNullException.ThrowIfNull(value);
            var nameBytes = Encoding.ASCII.GetBytes(name);
            var valueBytes = Encoding.UTF8.GetBytes(value);
            // A non-ASCII character became '?', which is no tchar: refused below.
            if (!HeaderFieldSyntax.IsToken(nameBytes))
            {
                throw new ArgumentException($"'{name}' is not a header field name (RFC 9110 §5.1: a token)", nameof(name));
            }

            if (!HeaderFieldSyntax.IsFieldValue(valueBytes))
            {
                throw new ArgumentException($"the value of '{name}' is not a field value (RFC 9110 §5.5: no controls, no surrounding whitespace)", nameof(value));
            }

            _names.Add(nameBytes);
            _values.Add(valueBytes);
            return this;
        }

        public HeaderFields Build() => _names.Count == 0 ? Empty : new([.. _names], [.. _values]);
    }
}
