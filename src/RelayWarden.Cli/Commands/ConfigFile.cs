using RelayWarden.Hosting.Configuration;

namespace RelayWarden.Cli.Commands;

/// <summary>Loads the configuration for a verb, or writes one clear stderr line (then exit 2).</summary>
internal static class ConfigFile
{
    public static RelayWardenConfig? TryLoad(CliIo io, string verb, string path)
    {
        try
        {
            return ConfigLoader.LoadFile(path);
        }
        catch (ConfigException exception)
        {
            io.Error.WriteLine($"relaywarden {verb}: bad configuration: {exception.Message}");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            io.Error.WriteLine($"relaywarden {verb}: cannot read configuration '{path}': {exception.Message}");
        }

        return null;
    }
}
