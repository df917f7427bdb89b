namespace RelayWarden.LogHunt.Tests;

public class ArchitectureTests
{
    [Fact]
    public void The_log_hunter_is_an_adapter_over_core_only()
    {
        var references = typeof(LogHunt.Parsing.LogJoiner).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("RelayWarden.Core", references);
        Assert.DoesNotContain(references, r => r.StartsWith("RelayWarden.", StringComparison.Ordinal) && r is not "RelayWarden.Core");
        Assert.DoesNotContain(references, r => r.Contains("Regex", StringComparison.Ordinal));
    }
}
