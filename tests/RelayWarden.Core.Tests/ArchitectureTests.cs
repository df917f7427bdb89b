using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Tests;

public class ArchitectureTests
{
    [Fact]
    public void Core_references_no_IO_assembly()
    {
        string[] banned = ["YamlDotNet", "MailKit", "Microsoft.Data.Sqlite", "Npgsql", "StackExchange.Redis", "System.Net.Sockets", "System.Net.Http", "RelayWarden.Hosting"];
        var references = typeof(SenderAuthorization).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.Contains("RelayWarden.Mail", references);
        Assert.All(banned, name => Assert.DoesNotContain(name, references));
    }
}
