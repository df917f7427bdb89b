using RelayWarden.Core.Control;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Hosting.Control;
using RelayWarden.Storage.Sqlite;

namespace RelayWarden.Web;

/// <summary>Opens the console store of a configuration: operators and tokens in <c>data_dir/control.db</c>, shared by <c>serve</c> and the CLI.</summary>
public static class ConsoleStores
{
    public static IConsoleStore Open(RelayWardenConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return SqliteConsoleStore.Open(Path.Combine(config.DataDir, ControlStores.FileName));
    }
}
