using System.Reflection;
using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Tests;

/// <summary>The engine stays pure: no sockets, files, databases or web stacks; dependencies point down only.</summary>
public class ArchitectureTests
{
    private static readonly string[] s_forbiddenPrefixes =
    [
        "System.Net.Sockets", "System.Net.Http", "System.Net.Security", "System.IO.Pipelines", "System.IO.FileSystem",
        "Microsoft.Data.Sqlite", "Npgsql", "StackExchange.Redis", "MailKit", "Microsoft.AspNetCore", "YamlDotNet",
        "RelayWarden.Hosting", "RelayWarden.Smtp", "RelayWarden.Milter", "RelayWarden.Policy", "RelayWarden.LogHunt",
        "RelayWarden.Storage", "RelayWarden.Web", "RelayWarden.Cli", "relaywarden",
    ];

    [Theory]
    [InlineData(typeof(SenderAuthorization))]
    [InlineData(typeof(Mail.Addresses.DomainName))]
    public void Engine_assemblies_reference_no_io_or_upper_layer(Type anchor)
    {
        var references = anchor.Assembly.GetReferencedAssemblies().Select(a => a.Name ?? string.Empty).ToList();
        Assert.NotEmpty(references);
        var offending = references.Where(name => s_forbiddenPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal))).ToList();
        Assert.True(offending.Count == 0, $"{anchor.Assembly.GetName().Name} references {string.Join(", ", offending)}");
    }

    [Fact]
    public void Mail_references_only_MimeKit_and_the_base_library()
    {
        var references = typeof(Mail.Addresses.DomainName).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("MimeKit", references);
        Assert.All(references, name => Assert.True(
            name == "MimeKit" || name.StartsWith("System", StringComparison.Ordinal) || name == "netstandard" || name == "mscorlib",
            $"RelayWarden.Mail references {name}"));
    }

    [Fact]
    public void Core_references_Mail_and_not_the_other_way()
    {
        var core = typeof(SenderAuthorization).Assembly;
        var mail = typeof(Mail.Addresses.DomainName).Assembly;
        Assert.Contains(core.GetReferencedAssemblies(), a => a.Name == mail.GetName().Name);
        Assert.DoesNotContain(mail.GetReferencedAssemblies(), a => a.Name == core.GetName().Name);
    }
}
