namespace RelayWarden.Core.Monitor.Evaluation;

/// <summary>One real message of a benign data set: unix seconds, the sender's id and the recipients' ids.</summary>
public sealed record DatasetMessage(long Time, int Sender, int[] Recipients);
