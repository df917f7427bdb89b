namespace RelayWarden.Core.Monitor;

/// <summary>The counts of one time bucket. Saturating 16-bit counters: thresholds sit far below 65,535 per bucket.</summary>
internal struct WindowCounts
{
    public ushort Messages;
    public ushort Recipients;
    public ushort NewDomains;
    public ushort NewDomainMessages;
    public ushort Refused;
    public ushort NullSender;

    public static ushort Add(ushort value, int amount)
    {
        int sum = value + amount;
        return sum > ushort.MaxValue ? ushort.MaxValue : (ushort)sum;
    }
}

/// <summary>Sums of counts over a window (no saturation at this level).</summary>
internal struct WindowSums
{
    public int Messages;
    public int Recipients;
    public int NewDomains;
    public int NewDomainMessages;
    public int Refused;
    public int NullSender;

    public void Subtract(in WindowCounts counts)
    {
        Messages -= counts.Messages;
        Recipients -= counts.Recipients;
        NewDomains -= counts.NewDomains;
        NewDomainMessages -= counts.NewDomainMessages;
        Refused -= counts.Refused;
        NullSender -= counts.NullSender;
    }

    public void Add(in WindowCounts counts)
    {
        Messages += counts.Messages;
        Recipients += counts.Recipients;
        NewDomains += counts.NewDomains;
        NewDomainMessages += counts.NewDomainMessages;
        Refused += counts.Refused;
        NullSender += counts.NullSender;
    }
}
