using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Audit;

/// <summary>The audit trail's process log lines (event ids 40-49). Never logs a record's content.</summary>
internal static partial class AuditLog
{
    [LoggerMessage(40, LogLevel.Error, "audit sink {Sink} failed ({Error}); audit unavailable, retrying ({Failures} failures so far)")]
    public static partial void SinkFailed(ILogger logger, string sink, string error, long failures);

    [LoggerMessage(41, LogLevel.Information, "audit sink {Sink} recovered")]
    public static partial void SinkRecovered(ILogger logger, string sink);

    [LoggerMessage(42, LogLevel.Warning, "audit queue full: {Dropped} records dropped so far")]
    public static partial void Dropped(ILogger logger, long dropped);

    [LoggerMessage(43, LogLevel.Warning, "audit file {Path}: cut {Bytes} bytes of a torn last line (a write interrupted by a crash)")]
    public static partial void TornTailCut(ILogger logger, string path, long bytes);

    [LoggerMessage(44, LogLevel.Error, "audit file {Path}: last line is not an audit record; set aside as {Damaged}, new file started")]
    public static partial void DamagedFileSetAside(ILogger logger, string path, string damaged);

    [LoggerMessage(45, LogLevel.Warning, "audit retention: could not delete {Path}: {Error}")]
    public static partial void RetentionFailed(ILogger logger, string path, string error);

    [LoggerMessage(46, LogLevel.Information, "audit trail writing to {Sink} (file_seq {FileSeq}, seq {Seq})")]
    public static partial void Opened(ILogger logger, string sink, long fileSeq, long seq);

    [LoggerMessage(48, LogLevel.Error, "audit record could not be serialized and was dropped: {Type}: {Error}")]
    public static partial void RecordFailed(ILogger logger, string type, string error);

    [LoggerMessage(47, LogLevel.Error, "audit trail stopped with {Records} records unwritten (sink failing)")]
    public static partial void StoppedWithLoss(ILogger logger, long records);
}
