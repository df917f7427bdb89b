namespace RelayWarden.Cli;

/// <summary>The streams a command writes to and reads from.</summary>
public sealed record CliIo(TextWriter Out, TextWriter Error, Func<Stream> OpenStdin);
