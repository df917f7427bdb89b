using Microsoft.Extensions.Logging;
using RelayWarden.Smtp;

namespace RelayWarden.Hosting.Mta;

/// <summary>Writes the milter and policy servers' <see cref="ILogger"/> messages into the relay's logfmt log.</summary>
internal sealed class RelayLogLogger : ILogger
{
    private readonly RelayLog _log;
    private readonly string _event;

    public RelayLogLogger(RelayLog log, string eventName)
    {
        _log = log;
        _event = eventName;
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information && _log.IsEnabled;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        _log.Write(_event, ("level", Name(logLevel)), ("msg", formatter(state, exception)),
            ("error", exception is null ? null : $"{exception.GetType().Name}: {exception.Message}"));
    }

    private static string Name(LogLevel level) => level switch
    {
        LogLevel.Information => "information",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => level.ToString().ToLowerInvariant(),
    };
}

/// <summary>Routes a host's <see cref="ILogger"/> messages (the web console's) into the relay's logfmt log under one event name.</summary>
public sealed class RelayLogLoggerProvider : ILoggerProvider
{
    private readonly RelayLogLogger _logger;

    public RelayLogLoggerProvider(RelayLog log, string eventName) => _logger = new RelayLogLogger(log, eventName);

    public ILogger CreateLogger(string categoryName) => _logger;

    public void Dispose()
    {
    }
}
