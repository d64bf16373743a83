using Microsoft.Extensions.Logging;

namespace Ticketing.IntegrationTests.Support;

/// <summary>
/// Writes a test system's logs to one file, a line each: <c>[resource] text</c> for what a resource printed (Aspire forwards
/// resource output to the categories <c>{AppHost}.Resources.{name}</c>), <c>[apphost] text</c> for the AppHost's own lines.
/// </summary>
/// <param name="path">The file (appended to).</param>
public sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    private readonly StreamWriter _writer = new(path, append: true) { AutoFlush = true };
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName)
    {
        var marker = categoryName.IndexOf(".Resources.", StringComparison.Ordinal);
        var source = marker >= 0 ? categoryName[(marker + ".Resources.".Length)..] : "apphost";
        return new Logger(this, source);
    }

    public void Dispose() => _writer.Dispose();

    private void Write(string line)
    {
        lock (_gate)
        {
            _writer.WriteLine(line);
        }
    }

    private sealed class Logger(FileLoggerProvider provider, string source) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= (source == "apphost" ? LogLevel.Information : LogLevel.Trace);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write($"[{source}] {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
        }
    }
}
