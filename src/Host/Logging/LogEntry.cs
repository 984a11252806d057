using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Logging;

/// <summary>One formatted event on its way from the caller to the background writer.</summary>
internal readonly record struct LogEntry(DateTimeOffset Timestamp, LogLevel Level, string Category, int EventId, string Message, Exception? Exception);
