using RelayWarden.Cli;

namespace RelayWarden.Cli.Tests.Commands;

public class EvaluateCommandTests
{
    private const string Data = "/work/shared/data";

    private static (int Code, string Out, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error, () => Stream.Null);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Evaluate_reports_false_alerts_and_every_scenario_on_real_data()
    {
        if (!Directory.Exists(Path.Combine(Data, "enron-perry-wolfe")))
        {
            return; // The real data sets are not on this machine.
        }

        var (code, output, error) = Run("evaluate", "--data", Data, "--dataset", "enron", "--mapping", "worst-case", "--instances", "4");
        Assert.True(code == 0, error);
        Assert.Contains("## enron, worst-case domain mapping", output, StringComparison.Ordinal);
        Assert.Contains("Benign: 21,635 messages, 38,388 recipients; false alerts 0 =", output, StringComparison.Ordinal);
        Assert.Contains("| (a) bulk malspam | 4 | 4 (100 %) |", output, StringComparison.Ordinal);
        // Thread hijacks are caught on sustained volume against the account's own hour of the week (monitor.messages.how).
        Assert.Contains("| (e) thread hijack | 4 | 4 (100 %) |", output, StringComparison.Ordinal);
        Assert.Contains("monitor.messages.how (4) |", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_refuses_an_unknown_data_set_or_mapping()
    {
        Assert.Equal(Program.UsageError, Run("evaluate", "--data", Data, "--dataset", "nope").Code);
        Assert.Equal(Program.UsageError, Run("evaluate", "--data", Data, "--mapping", "best-case").Code);
    }

    [Fact]
    public void Evaluate_says_so_when_the_data_is_missing()
    {
        var (code, _, error) = Run("evaluate", "--data", "/nonexistent/relaywarden-data", "--dataset", "enron");
        Assert.Equal(Program.UsageError, code);
        Assert.Contains("cannot read data set 'enron'", error, StringComparison.Ordinal);
    }
}
