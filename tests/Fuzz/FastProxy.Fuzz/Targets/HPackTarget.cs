using System.Text;
using FastProxy.Http.Http2.HPack;
using static FastProxy.Fuzz.PropertyViolationException;

namespace FastProxy.Fuzz.Targets;

/// <summary>
/// The HPACK decoder. Properties: over arbitrary bytes it never throws, and a block it accepts decodes to a field list
/// within SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2: name + value + 32 per field); decoding is deterministic.
/// Round trip: the input also describes field lists (split on 0x00), which HPackEncoder encodes with every
/// representation and a small dynamic table that evicts, over several blocks, and the decoder gives back exactly them.
/// </summary>
public sealed class HPackTarget : IFuzzTarget
{
    private const int MaxHeaderListSize = 2048;

    public string Name => "hpack";

    public void Run(ReadOnlySpan<byte> input)
    {
        var first = DecodeArbitrary(input);
        Check(string.Equals(first, DecodeArbitrary(input), StringComparison.Ordinal), "decoding is deterministic");
        RoundTrip(input);
    }

    private static string DecodeArbitrary(ReadOnlySpan<byte> input)
    {
        using var decoder = new HPackDecoder(maxTableSize: 4096, MaxHeaderListSize);
        var fields = new FieldList();
        var error = decoder.Decode(input, ref fields);
        if (error == HPackError.None)
        {
            Check(fields.Size <= MaxHeaderListSize, $"an accepted block's list size {fields.Size} is within {MaxHeaderListSize}");
        }

        Check(decoder.DynamicTable.Size <= decoder.DynamicTable.MaxSize, "the dynamic table stays within its size");
        return error + " " + fields.Text;
    }

    private static void RoundTrip(ReadOnlySpan<byte> input)
    {
        var parts = new List<byte[]>();
        foreach (var range in input.Split((byte)0))
        {
            parts.Add(input[range].ToArray());
        }

        using var encoder = new HPackEncoder(maxTableSize: 4096);
        using var decoder = new HPackDecoder(maxTableSize: 4096, maxHeaderListSize: 1 << 20);
        encoder.SetMaxTableSize(256);
        var buffer = new byte[(input.Length * 4) + 1024]; // Huffman codes run up to 30 bits a byte
        for (var block = 0; block < 3; block++)
        {
            Check(encoder.TryBeginBlock(buffer, out var length), "a size update fits");
            var expected = new StringBuilder();
            for (var i = 0; i + 1 < parts.Count; i += 2)
            {
                var name = parts[i];
                var value = parts[i + 1];
                var selector = (name.Length + value.Length + i + block) % 6;
                Check(encoder.TryEncode(name, value, (HPackIndexing)(selector % 3), huffman: selector >= 3, buffer.AsSpan(length), out var written), "a field fits the buffer");
                length += written;
                expected.Append(Convert.ToHexString(name)).Append(':').Append(Convert.ToHexString(value)).Append('\n');
            }

            var fields = new FieldList();
            var error = decoder.Decode(buffer.AsSpan(0, length), ref fields);
            Check(error == HPackError.None, $"our own encoding decodes (block {block}: {error})");
            Check(string.Equals(expected.ToString(), fields.Text, StringComparison.Ordinal), $"block {block} decodes to the fields encoded");
        }
    }

    private struct FieldList : IHeaderHandler
    {
        private StringBuilder? _text;

        public int Size { get; private set; }

        public readonly string Text => _text?.ToString() ?? "";

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
            Size += name.Length + value.Length + 32;
            (_text ??= new StringBuilder()).Append(Convert.ToHexString(name)).Append(':').Append(Convert.ToHexString(value)).Append('\n');
        }
    }
}
