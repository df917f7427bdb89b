namespace RelayWarden.LogHunt.Hunting;

/// <summary>An account's last-hour figures as the monitor counts them.</summary>
public readonly record struct WindowFigures(double Messages, double Recipients, double Domains, double RefusedShare);
