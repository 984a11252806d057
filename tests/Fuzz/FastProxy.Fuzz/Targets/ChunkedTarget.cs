using System.Buffers;
using FastProxy.Http.Http1;
using static FastProxy.Fuzz.PropertyViolationException;

namespace FastProxy.Fuzz.Targets;

/// <summary>
/// The chunked body decoder. Properties: it never throws; de-chunking agrees with <see cref="ReferenceChunkedDecoder"/>
/// on the verdict, the payload bytes, the trailer lines and where the body ends; the answer is the same when the bytes
/// arrive at once, split in two segments, or a few bytes per read; and the pass-through validator (Advance) ends the
/// body at the same byte as the decoder, so what is forwarded is what was decoded.
/// </summary>
public sealed class ChunkedTarget : IFuzzTarget
{
    private const long MaxBodyBytes = 64 * 1024;

    // Small caps so the fuzzer reaches them with small inputs.
    private static readonly Http1Limits Limits = new(Http1Limits.DefaultMaxRequestLineBytes, Http1Limits.DefaultMaxHeaderBytes, maxHeaderCount: 8, maxChunkLineBytes: 64, maxTrailerBytes: 256);

    public string Name => "chunked";

    public void Run(ReadOnlySpan<byte> input)
    {
        var bytes = input.ToArray();
        var expected = ReferenceChunkedDecoder.Decode(bytes, MaxBodyBytes, Limits.MaxChunkLineBytes, Limits.MaxTrailerBytes, Limits.MaxHeaderCount);

        var whole = DecodeAll(new ReadOnlySequence<byte>(bytes));
        Compare(expected, whole, "at once");
        Compare(expected, DecodeAll(Sequences.Split(bytes, bytes.Length / 2)), "in two segments");
        Compare(expected, DecodeInSteps(bytes, step: 3), "three bytes per read");

        var reader = new ChunkedBodyReader(MaxBodyBytes, Limits);
        var status = reader.Advance(new ReadOnlySequence<byte>(bytes), out var validBytes, out var error);
        Check(status == ToStatus(expected.Outcome), $"pass-through verdict {status} {error} matches the reference {expected.Outcome}");
        if (status == ChunkedStatus.Done)
        {
            Check(validBytes == expected.End, "pass-through ends the body where the decoder does");
        }

        Check(validBytes <= bytes.Length, "pass-through never validates bytes it was not given");
    }

    private static ChunkedStatus ToStatus(ReferenceChunkedDecoder.Outcome outcome) => outcome switch
    {
        ReferenceChunkedDecoder.Outcome.Done => ChunkedStatus.Done,
        ReferenceChunkedDecoder.Outcome.Error => ChunkedStatus.Error,
        _ => ChunkedStatus.NeedMore,
    };

    private static void Compare(ReferenceChunkedDecoder.Result expected, ReferenceChunkedDecoder.Result actual, string how)
    {
        Check(expected.Outcome == actual.Outcome, $"{how}: verdict {actual.Outcome} matches the reference {expected.Outcome}");
        if (expected.Outcome == ReferenceChunkedDecoder.Outcome.Error)
        {
            // Before an error the reader may hold back bytes the reference saw; what it released must be a prefix.
            Check(expected.Data.AsSpan().StartsWith(actual.Data), $"{how}: data released before an error is what the body held");
            return;
        }

        Check(expected.Data.AsSpan().SequenceEqual(actual.Data), $"{how}: payload bytes match the reference ({actual.Data.Length} vs {expected.Data.Length})");
        Check(expected.Trailers.SequenceEqual(actual.Trailers, StringComparer.Ordinal), $"{how}: trailer lines match the reference");
        if (expected.Outcome == ReferenceChunkedDecoder.Outcome.Done)
        {
            Check(expected.End == actual.End, $"{how}: the body ends at {actual.End}, the reference says {expected.End}");
        }
    }

    /// <summary>Decodes everything available, calling again after each piece as the contract says.</summary>
    private static ReferenceChunkedDecoder.Result DecodeAll(ReadOnlySequence<byte> input)
    {
        var reader = ChunkedBodyReader.ForDecoding(MaxBodyBytes, Limits);
        var data = new List<byte>();
        var trailers = new List<string>();
        long offset = 0;
        var outcome = Step(ref reader, input, ref offset, data, trailers);
        return new(outcome, [.. data], trailers, offset);
    }

    private static ReferenceChunkedDecoder.Result DecodeInSteps(byte[] bytes, int step)
    {
        var reader = ChunkedBodyReader.ForDecoding(MaxBodyBytes, Limits);
        var data = new List<byte>();
        var trailers = new List<string>();
        long offset = 0;
        var outcome = ReferenceChunkedDecoder.Outcome.NeedMore;
        for (var end = Math.Min(step, bytes.Length); ; end = Math.Min(end + step, bytes.Length))
        {
            // Each read hands the reader the bytes it has not consumed yet plus the new ones.
            var window = new ReadOnlySequence<byte>(bytes, (int)offset, end - (int)offset);
            long consumedHere = 0;
            outcome = Step(ref reader, window, ref consumedHere, data, trailers);
            offset += consumedHere;
            if (outcome != ReferenceChunkedDecoder.Outcome.NeedMore || end == bytes.Length)
            {
                break;
            }
        }

        return new(outcome, [.. data], trailers, offset);
    }

    private static ReferenceChunkedDecoder.Outcome Step(ref ChunkedBodyReader reader, ReadOnlySequence<byte> input, ref long offset, List<byte> data, List<string> trailers)
    {
        var rest = input;
        for (var guard = 0; guard <= input.Length + 2; guard++)
        {
            var status = reader.Decode(rest, out var consumed, out var piece, out _);
            Check(consumed >= 0 && consumed <= rest.Length, "the decoder consumes only bytes it was given");
            if (piece.Kind == ChunkedPieceKind.Data)
            {
                Check(piece.Start >= 0 && piece.Start + piece.Length <= consumed, "a data piece lies inside the consumed bytes");
                data.AddRange(rest.Slice(piece.Start, piece.Length).ToArray());
            }
            else if (piece.Kind == ChunkedPieceKind.TrailerField)
            {
                Check(piece.Start >= 0 && piece.Start + piece.Length <= consumed, "a trailer piece lies inside the consumed bytes");
                trailers.Add(Convert.ToHexString(rest.Slice(piece.Start, piece.Length).ToArray()));
            }

            offset += consumed;
            rest = rest.Slice(consumed);
            switch (status)
            {
                case ChunkedStatus.Done:
                    return ReferenceChunkedDecoder.Outcome.Done;
                case ChunkedStatus.Error:
                    return ReferenceChunkedDecoder.Outcome.Error;
                default:
                    if (piece.Kind == ChunkedPieceKind.None)
                    {
                        return ReferenceChunkedDecoder.Outcome.NeedMore;
                    }

                    break;
            }
        }

        throw new PropertyViolationException("the decoder makes progress on every call that yields a piece");
    }
}
