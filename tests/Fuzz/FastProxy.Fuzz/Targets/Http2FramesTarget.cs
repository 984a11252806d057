using System.Buffers;
using System.Text;
using FastProxy.Http.Http2;
using static FastProxy.Fuzz.PropertyViolationException;

namespace FastProxy.Fuzz.Targets;

/// <summary>
/// The HTTP/2 frame reader over arbitrary bytes (after the preface). Properties: it never throws; every frame it hands
/// out lies inside the bytes it consumed, within SETTINGS_MAX_FRAME_SIZE; it always makes progress or stops
/// (Incomplete, connection error); a stream error consumes exactly its frame; and the frames read do not depend on how
/// the bytes are cut into segments.
/// </summary>
public sealed class Http2FramesTarget : IFuzzTarget
{
    public string Name => "h2-frames";

    public void Run(ReadOnlySpan<byte> input)
    {
        var bytes = input.ToArray();
        var whole = ReadAll(new ReadOnlySequence<byte>(bytes));
        var split = ReadAll(Sequences.Split(bytes, bytes.Length / 2));
        Check(string.Equals(whole, split, StringComparison.Ordinal), "split input reads as contiguous input");
    }

    private static string ReadAll(ReadOnlySequence<byte> buffer)
    {
        var reader = new Http2FrameReader { MaxFieldBlockSize = 1024 };
        var log = new StringBuilder();
        while (true)
        {
            var status = reader.TryRead(buffer, out var frame, out var consumed, out var error);
            var used = buffer.Slice(0, consumed).Length;
            if (status == Http2ReadStatus.Incomplete)
            {
                Check(used == 0, "Incomplete consumes nothing");
                return log.Append("incomplete").ToString();
            }

            if (status == Http2ReadStatus.Error && error.IsConnectionError)
            {
                Check(used == 0, "a connection error consumes nothing");
                Check(error.Reason.Length > 0, "an error says why");
                return log.Append("connection-error ").Append(error.Code).ToString();
            }

            Check(used >= Http2FrameHeader.Size, "a frame consumes at least its header");
            Check(frame.Header.Length == used - Http2FrameHeader.Size, "a frame consumes exactly its header and declared length");
            Check(frame.Header.Length <= reader.MaxFrameSize, "no frame exceeds SETTINGS_MAX_FRAME_SIZE");
            Check(frame.Payload.Length <= frame.Header.Length, "a payload lies inside its frame");
            log.Append(frame.Type).Append(' ').Append(frame.StreamId).Append(' ').Append(frame.Payload.Length).Append(' ')
                .Append(Convert.ToHexString(frame.Payload.ToArray())).Append(status == Http2ReadStatus.Error ? " stream-error " + error.Code : "").Append('\n');
            buffer = buffer.Slice(consumed);
        }
    }
}
