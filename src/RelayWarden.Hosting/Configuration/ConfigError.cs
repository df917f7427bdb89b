namespace RelayWarden.Hosting.Configuration;

/// <summary>One problem in a configuration file: where (key path and line) and what.</summary>
public sealed record ConfigError(string Place, string Message, int Line = 0)
{
    public override string ToString() => Line > 0 ? $"line {Line}: {Place}: {Message}" : $"{Place}: {Message}";
}

/// <summary>Thrown when a configuration cannot be used; carries every problem found. Its message is one line (CLI contract: one stderr line).</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string path, IReadOnlyList<ConfigError> errors)
        : base($"{path}: {errors.Count} configuration error(s): " + string.Join("; ", errors.Select(e => e.ToString().ReplaceLineEndings(" "))))
    {
        Errors = errors;
    }

    public ConfigException()
    {
        Errors = [];
    }

    public ConfigException(string message)
        : base(message)
    {
        Errors = [];
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    public IReadOnlyList<ConfigError> Errors { get; }
}
