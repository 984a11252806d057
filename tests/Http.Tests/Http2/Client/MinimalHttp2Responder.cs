using System.Buffers;
using System.IO.Pipelines;
using FastProxy.Http.Http2;

namespace FastProxy.Http.Tests.Http2.Client;

/// <summary>
/// The least an HTTP/2 upstream can be for a client under test or measurement: it skips the preface, answers every
/// stream's END_STREAM with :status 200 and "ok", returns the connection window for each DATA frame and ignores the
/// rest. Used by Http2UpstreamFlushTests and, linked into the benchmarks, by Http2UpstreamStreamBenchmark.
/// </summary>
internal static class MinimalHttp2Responder
{
    /// <summary>The upstream: SETTINGS, then for each request's END_STREAM a 200 + "ok", and the connection window back for DATA.</summary>
    public static async Task RunAsync(PipeReader input, PipeWriter output)
    {
        Http2FrameWriter.WriteSettings(output, [(Http2SettingsParameter.MaxConcurrentStreams, 100)]);
        await output.FlushAsync();
        var prefaceSkipped = false;
        while (true)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            if (!prefaceSkipped)
            {
                if (buffer.Length < Http2Preface.Length)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted)
                    {
                        return;
                    }

                    continue;
                }

                buffer = buffer.Slice(Http2Preface.Length);
                prefaceSkipped = true;
            }

            var answered = false;
            while (TryReadFrame(ref buffer, out var header))
            {
                if (header.Type == Http2FrameType.Data && header.Length > 0)
                {
                    Http2FrameWriter.WriteWindowUpdate(output, 0, header.Length);
                    answered = true;
                }

                if (header.Type is Http2FrameType.Data or Http2FrameType.Headers && header.HasFlag(Http2FrameFlags.EndStream))
                {
                    // :status 200 is static table index 8: one byte, 0x88.
                    Http2FrameWriter.WriteRaw(output, Http2FrameType.Headers, Http2FrameFlags.EndHeaders, header.StreamId, [0x88]);
                    Http2FrameWriter.WriteData(output, header.StreamId, "ok"u8, endStream: true);
                    answered = true;
                }
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (answered)
            {
                await output.FlushAsync();
            }

            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    private static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out Http2FrameHeader header)
    {
        header = default;
        if (buffer.Length < Http2FrameHeader.Size)
        {
            return false;
        }

        Span<byte> head = stackalloc byte[Http2FrameHeader.Size];
        buffer.Slice(0, Http2FrameHeader.Size).CopyTo(head);
        header = Http2FrameHeader.ReadFrom(head);
        if (buffer.Length < Http2FrameHeader.Size + header.Length)
        {
            return false;
        }

        buffer = buffer.Slice(Http2FrameHeader.Size + header.Length);
        return true;
    }
}
