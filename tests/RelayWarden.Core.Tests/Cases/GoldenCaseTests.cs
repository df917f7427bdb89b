using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Tests.Cases;

/// <summary>
/// Golden policy cases, diffed like Postfix's smtpd_check.in/.ref: every <c>Cases/NNN-name.case</c>
/// is evaluated against <see cref="CaseDirectory"/> and its verdict must equal <c>NNN-name.expected</c>
/// line for line. To regenerate after an intended change, run with RELAYWARDEN_UPDATE_GOLDEN=1 and
/// review the diff of the .expected files before committing.
/// </summary>
public partial class GoldenCaseTests
{
    private static readonly string s_cases = Path.Combine(AppContext.BaseDirectory, "Cases");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var path in System.IO.Directory.GetFiles(s_cases, "*.case").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(path));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_verdict_matches_its_expected_file(string name)
    {
        string actual = Evaluate(name);
        string expectedPath = Path.Combine(s_cases, name + ".expected");
        if (Environment.GetEnvironmentVariable("RELAYWARDEN_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(SourceCases(), name + ".expected"), actual);
            return;
        }

        Assert.True(File.Exists(expectedPath), $"{name}.expected is missing");
        Assert.Equal(File.ReadAllText(expectedPath), actual);
    }

    [Fact]
    public void Case_names_are_numbered_and_unique_and_each_has_an_expected_file()
    {
        var numbers = new HashSet<string>();
        foreach (var path in System.IO.Directory.GetFiles(s_cases, "*.case"))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            Assert.Matches(NamePattern(), name);
            Assert.True(numbers.Add(name[..3]), $"case number {name[..3]} is used twice");
            Assert.True(File.Exists(Path.ChangeExtension(path, ".expected")), $"{name}.expected is missing");
        }

        foreach (var path in System.IO.Directory.GetFiles(s_cases, "*.expected"))
        {
            Assert.True(File.Exists(Path.ChangeExtension(path, ".case")), $"{Path.GetFileName(path)} has no .case");
        }
    }

    /// <summary>Rules the engine cannot produce from a submission: each needs its own reason here.</summary>
    private static readonly Dictionary<string, string> s_notProducible = new()
    {
        [RuleIds.EngineError] = "needs a fault; covered by SenderAuthorizationTests",
        [RuleIds.RecipientLimit] = "the SMTP front door counts recipients; the engine never emits it",
        ["sender.from.not-owned"] = "an external From is judged as forwarding (sender.from.external / .forwarded)",
    };

    [Fact]
    public void Every_rule_the_engine_can_produce_has_a_golden_case()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in System.IO.Directory.GetFiles(s_cases, "*.expected"))
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith("reason: ", StringComparison.Ordinal))
                {
                    seen.Add(line.Split(' ')[1]);
                }
            }
        }

        var missing = RuleIds.All.Where(rule => !seen.Contains(rule) && !s_notProducible.ContainsKey(rule)).ToList();
        Assert.True(missing.Count == 0, "rules without a golden case: " + string.Join(", ", missing));
        Assert.All(s_notProducible.Keys, rule => Assert.Contains(rule, RuleIds.All));
        Assert.All(seen, rule => Assert.Contains(rule, RuleIds.All));
    }

    internal static string Evaluate(string name)
    {
        var file = CaseFile.Parse(File.ReadAllText(Path.Combine(s_cases, name + ".case")));
        var verdict = CaseDirectory.Engine().Evaluate(file.Submission, file.Stage);
        return CaseFile.Render(verdict);
    }

    private static string SourceCases([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    [GeneratedRegex("^[0-9]{3}-[a-z0-9-]+$")]
    private static partial Regex NamePattern();
}
