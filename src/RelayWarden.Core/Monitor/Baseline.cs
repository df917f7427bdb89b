namespace RelayWarden.Core.Monitor;

/// <summary>
/// An account's own normal: exponentially decayed peaks of its completed clock hours (messages,
/// recipients, new-domain messages). A peak decays with a half-life of
/// <see cref="MonitorOptions.BaselineHalfLifeHours"/> (default 30 days), so one busy day is
/// remembered for weeks and a long-quiet account slowly tightens.
/// </summary>
internal struct Baseline
{
    private long _lastHour;
    private bool _started;

    public float Messages { readonly get; private set; }

    public float Recipients { readonly get; private set; }

    public float NewDomainMessages { readonly get; private set; }

    /// <summary>Folds a completed hour (index = unix seconds / 3600).</summary>
    public void Complete(long hourIndex, in WindowCounts hour, double halfLifeHours)
    {
        if (_started && hourIndex > _lastHour)
        {
            float decay = (float)Math.Pow(0.5, (hourIndex - _lastHour) / halfLifeHours);
            Messages *= decay;
            Recipients *= decay;
            NewDomainMessages *= decay;
        }

        _lastHour = _started ? Math.Max(_lastHour, hourIndex) : hourIndex;
        _started = true;
        Messages = Math.Max(Messages, hour.Messages);
        Recipients = Math.Max(Recipients, hour.Recipients);
        NewDomainMessages = Math.Max(NewDomainMessages, hour.NewDomainMessages);
    }
}
