using System.Globalization;

namespace RelayWarden.Core.Monitor;

/// <summary>One term: <c>signal op number</c>.</summary>
public readonly record struct ConditionTerm(MonitorSignal Signal, ConditionOperator Operator, double Threshold)
{
    public bool Holds(double value) => Operator switch
    {
        ConditionOperator.GreaterOrEqual => value >= Threshold,
        ConditionOperator.Greater => value > Threshold,
        ConditionOperator.LessOrEqual => value <= Threshold,
        _ => value < Threshold,
    };

    public override string ToString() =>
        $"{Signal} {Operator switch { ConditionOperator.GreaterOrEqual => ">=", ConditionOperator.Greater => ">", ConditionOperator.LessOrEqual => "<=", _ => "<" }} {Threshold.ToString(CultureInfo.InvariantCulture)}";
}
