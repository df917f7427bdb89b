using System.Text;
using RelayWarden.Core.Directory;
using RelayWarden.Smtp.Spool;

namespace RelayWarden.Cli.Tests.Commands;

/// <summary>The relay's operator verbs: user hash-password, queue list|flush|delete, serve's config errors.</summary>
public sealed class RelayCommandsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "rw-cli-" + Guid.NewGuid().ToString("N")[..12]);

    public RelayCommandsTests()
    {
        Directory.CreateDirectory(_folder);
        File.WriteAllText(Config, """
            data_dir: data
            relay:
              next_hop: outbox:outbox
            tenants:
              - id: acme
                domains: [acme.example]
                networks: [127.0.0.10/32]
            """);
    }

    private string Config => Path.Combine(_folder, "relaywarden.yaml");

    private static (int Exit, string Out, string Err) Run(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = Program.Run(args, output, error, () => new MemoryStream(Encoding.UTF8.GetBytes(stdin)));
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void User_add_creates_an_operator_whose_password_verifies()
    {
        var (exit, output, error) = Run("a long enough password\n", "user", "add", "--config", Config, "--name", "ops", "--role", "admin");
        Assert.True(exit == 0, error);
        Assert.Contains("operator ops (admin) created", output, StringComparison.Ordinal);
        using var store = RelayWarden.Web.ConsoleStores.Open(RelayWarden.Hosting.Configuration.ConfigLoader.LoadFile(Config));
        Assert.Equal(RelayWarden.Core.Control.OperatorRole.Admin, store.FindOperator("ops")!.Role);
        Assert.True(PasswordHash.Verify("a long enough password", store.PasswordHashOf("ops")));

        var again = Run("a long enough password\n", "user", "add", "--config", Config, "--name", "ops", "--role", "analyst");
        Assert.Equal(2, again.Exit);
        Assert.Contains("exists already", again.Err, StringComparison.Ordinal);
        Assert.Contains("ops\tadmin", Run(string.Empty, "user", "list", "--config", Config).Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short\n", "ops", "admin", "at least 10 characters")]
    [InlineData("", "ops", "admin", "at least 10 characters")]
    [InlineData("a long enough password\n", "bad name!", "admin", "bad name")]
    [InlineData("a long enough password\n", "ops", "root", "root")]
    public void User_add_refuses_bad_input_with_one_clear_line(string stdin, string name, string role, string expected)
    {
        var (exit, _, error) = Run(stdin, "user", "add", "--config", Config, "--name", name, "--role", role);
        Assert.Equal(2, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Token_create_prints_a_token_whose_hash_is_stored_and_takes_the_operators_role()
    {
        Assert.Equal(0, Run("a long enough password\n", "user", "add", "--config", Config, "--name", "viewer", "--role", "analyst").Exit);
        var (exit, output, error) = Run(string.Empty, "token", "create", "--config", Config, "--name", "viewer");
        Assert.True(exit == 0, error);
        string token = output.Trim();
        Assert.StartsWith("rw_", token, StringComparison.Ordinal);
        using (var store = RelayWarden.Web.ConsoleStores.Open(RelayWarden.Hosting.Configuration.ConfigLoader.LoadFile(Config)))
        {
            var found = store.UseToken(RelayWarden.Web.Auth.ApiTokens.Hash(token), DateTimeOffset.UtcNow);
            Assert.NotNull(found);
            Assert.Equal(RelayWarden.Core.Control.OperatorRole.Analyst, found.Role);
        }

        string script = Run(string.Empty, "token", "create", "--config", Config, "--name", "ci").Out.Trim();
        Assert.NotEqual(token, script);
        string list = Run(string.Empty, "token", "list", "--config", Config).Out;
        Assert.Contains("ci\tadmin", list, StringComparison.Ordinal);
        Assert.DoesNotContain(script, list, StringComparison.Ordinal);
        Assert.Equal(0, Run(string.Empty, "token", "revoke", "2", "--config", Config).Exit);
        Assert.Equal(2, Run(string.Empty, "token", "revoke", "2", "--config", Config).Exit);
    }

    [Fact]
    public void Hash_password_reads_stdin_and_prints_a_verifiable_hash()
    {
        var (exit, output, _) = Run("hunter2\n", "user", "hash-password");
        Assert.Equal(0, exit);
        string hash = output.Trim();
        Assert.True(PasswordHash.Verify("hunter2", hash));
        Assert.DoesNotContain("hunter2", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Hash_password_without_input_is_a_usage_error()
    {
        var (exit, _, error) = Run(string.Empty, "user", "hash-password");
        Assert.Equal(2, exit);
        Assert.Contains("no password", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queue_list_flush_and_delete_work_on_the_spool()
    {
        var spool = new MessageSpool(Path.Combine(_folder, "data", "spool"), TimeProvider.System);
        string id = spool.NewId();
        await spool.StoreAsync(new SpoolEnvelope { Id = id, MailFrom = "a@acme.example", Recipients = ["b@customer.example"], Received = DateTimeOffset.UnixEpoch },
            ReadOnlyMemory<byte>.Empty, Encoding.ASCII.GetBytes("From: a@acme.example\r\n\r\nx\r\n"));
        await spool.WriteStateAsync(id, new SpoolState { Attempts = 3, NextAttempt = DateTimeOffset.MaxValue, LastError = "421 busy" });

        var list = Run(string.Empty, "queue", "list", "--config", Config);
        Assert.Equal(0, list.Exit);
        Assert.Contains(id, list.Out, StringComparison.Ordinal);
        Assert.Contains("attempts=3", list.Out, StringComparison.Ordinal);
        Assert.Contains("<a@acme.example> -> b@customer.example", list.Out, StringComparison.Ordinal);

        Assert.Equal(0, Run(string.Empty, "queue", "flush", "--config", Config).Exit);
        Assert.Equal(DateTimeOffset.MinValue, spool.ReadState(id).NextAttempt);

        Assert.Equal(0, Run(string.Empty, "queue", "delete", id, "--config", Config).Exit);
        Assert.Empty(spool.List());
        Assert.Equal(1, Run(string.Empty, "queue", "delete", id, "--config", Config).Exit);
        Assert.Equal(2, Run(string.Empty, "queue", "delete", "../etc", "--config", Config).Exit);
    }

    [Fact]
    public void Serve_with_a_bad_configuration_exits_2_with_one_line()
    {
        File.WriteAllText(Config, "listen:\n  smtp: nowhere\ntenants: []\n");
        var (exit, _, error) = Run(string.Empty, "serve", "--config", Config);
        Assert.Equal(2, exit);
        Assert.Contains("listen.smtp", error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
