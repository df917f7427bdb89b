using System.Globalization;

namespace RelayWarden.Core.Monitor;

/// <summary>A comparison operator of a condition term.</summary>
public enum ConditionOperator
{
    GreaterOrEqual,
    Greater,
    LessOrEqual,
    Less,
}

/// <summary>
/// A rule's condition: terms joined by <c>and</c>, e.g.
/// <c>new_domain_messages.1m &gt;= 8 and history_days &gt;= 7</c>. Every term must hold.
/// </summary>
public sealed class MonitorCondition
{
    private MonitorCondition(ConditionTerm[] terms, string text)
    {
        Terms = terms;
        Text = text;
    }

    public IReadOnlyList<ConditionTerm> Terms { get; }

    /// <summary>The condition as written.</summary>
    public string Text { get; }

    /// <summary>The terms in evaluation order: account facts first (cheapest, and they rule out most keys), windows after.</summary>
    internal ConditionTerm[] TermArray { get; private init; } = [];

    public static MonitorCondition Parse(string text) =>
        TryParse(text, out var condition, out string? problem) ? condition : throw new FormatException(problem);

    /// <summary>Parses a condition; on failure <paramref name="problem"/> says what is wrong.</summary>
    public static bool TryParse(string text, out MonitorCondition condition, out string? problem)
    {
        condition = null!;
        problem = null;
        var terms = new List<ConditionTerm>();
        foreach (string part in text.Split(" and ", StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string[] tokens = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length != 3)
            {
                problem = $"'{part}' is not 'signal op number' (e.g. 'messages.1h >= 100')";
                return false;
            }

            if (!MonitorSignal.TryParse(tokens[0], out var signal))
            {
                problem = $"'{tokens[0]}' is not a signal (known: {string.Join(", ", MonitorSignal.Names.Order(StringComparer.Ordinal))})";
                return false;
            }

            ConditionOperator? op = tokens[1] switch
            {
                ">=" => ConditionOperator.GreaterOrEqual,
                ">" => ConditionOperator.Greater,
                "<=" => ConditionOperator.LessOrEqual,
                "<" => ConditionOperator.Less,
                _ => null,
            };
            if (op is null)
            {
                problem = $"'{tokens[1]}' is not one of >=, >, <=, <";
                return false;
            }

            if (!double.TryParse(tokens[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double threshold) || !double.IsFinite(threshold))
            {
                problem = $"'{tokens[2]}' is not a number";
                return false;
            }

            terms.Add(new ConditionTerm(signal, op.Value, threshold));
        }

        if (terms.Count == 0)
        {
            problem = "empty condition";
            return false;
        }

        condition = new MonitorCondition([.. terms], text.Trim())
        {
            TermArray = [.. terms.OrderBy(t => t.Signal.Window == SignalWindow.None ? 0 : IsDerived(t.Signal.Measure) ? 2 : 1)],
        };
        return true;
    }

    public override string ToString() => Text;

    /// <summary>Signals against baselines and peers cost more to read: evaluated after the plain window counts.</summary>
    private static bool IsDerived(SignalMeasure measure) => measure is SignalMeasure.MessagesVsHourOfWeek or SignalMeasure.RecipientsVsHourOfWeek
        or SignalMeasure.NewDomainMessagesVsHourOfWeek or SignalMeasure.MessagesVsPopulation or SignalMeasure.RecipientsVsPopulation
        or SignalMeasure.NewDomainMessagesVsPopulation;
}
