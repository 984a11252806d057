namespace FastProxy.Http.Http2.HPack;

/// <summary>
/// Why a field block could not be decoded. Every value but <see cref="HeaderListTooLarge"/> is a COMPRESSION_ERROR
/// (RFC 9113 §4.3); all of them leave the decoder's table out of step with the peer's encoder, so the connection ends.
/// </summary>
public enum HPackError : byte
{
    None,

    /// <summary>The block ends inside a representation (RFC 7541 §5.1, §5.2).</summary>
    Truncated,

    /// <summary>An integer does not fit in 31 bits (RFC 7541 §5.1: "excessively large integer encodings ... MUST" be refused).</summary>
    IntegerOverflow,

    /// <summary>Index 0 (RFC 7541 §6.1: "The index value of 0 is not used. It MUST be treated as a decoding error").</summary>
    IndexZero,

    /// <summary>An index past the static and dynamic tables (RFC 7541 §2.3.3).</summary>
    IndexOutOfRange,

    /// <summary>A dynamic table size update above the SETTINGS_HEADER_TABLE_SIZE we sent (RFC 7541 §6.3).</summary>
    TableSizeUpdateTooLarge,

    /// <summary>A dynamic table size update after the first field of a block (RFC 9113 §4.3.1, RFC 7541 §4.2).</summary>
    TableSizeUpdateNotAtStart,

    /// <summary>
    /// We lowered SETTINGS_HEADER_TABLE_SIZE below the table's size and the next block did not start with a size
    /// update (RFC 7541 §4.2: the change "MUST occur at the beginning of the first header block following the change").
    /// </summary>
    TableSizeUpdateMissing,

    /// <summary>Huffman data with EOS, padding over 7 bits or padding that is not all ones (RFC 7541 §5.2).</summary>
    BadHuffman,

    /// <summary>The decoded field section passed SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2); decoding stopped there.</summary>
    HeaderListTooLarge,
}
