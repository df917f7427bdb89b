using RelayWarden.TestSupport;

namespace RelayWarden.Web.Tests;

/// <summary>One relay + console per test class (xunit class fixture).</summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    private TestConsole? _console;

    public TestConsole Console => _console ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _console = await TestConsole.StartAsync();

    public async Task DisposeAsync()
    {
        if (_console is not null)
        {
            await _console.DisposeAsync();
        }
    }
}
