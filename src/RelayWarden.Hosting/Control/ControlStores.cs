using RelayWarden.Core.Control;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Storage.Sqlite;

namespace RelayWarden.Hosting.Control;

/// <summary>Opens the control store of a configuration (<c>data_dir/control.db</c>): the host and the CLI share it.</summary>
public static class ControlStores
{
    public const string FileName = "control.db";

    public static IControlStore Open(RelayWardenConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return SqliteControlStore.Open(Path.Combine(config.DataDir, FileName));
    }
}
