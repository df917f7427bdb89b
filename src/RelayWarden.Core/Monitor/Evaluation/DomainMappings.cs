namespace RelayWarden.Core.Monitor.Evaluation;

/// <summary>Turns data-set ids into addresses under a <see cref="DomainMapping"/>.</summary>
public static class DomainMappings
{
    private const int RealisticDomains = 25;
    private static readonly double[] s_cumulative = BuildZipf();

    public static string Address(int person, DomainMapping mapping) => mapping == DomainMapping.WorstCase
        ? $"p{person}@p{person}.example"
        : $"p{person}@{RealisticDomain(person)}";

    private static string RealisticDomain(int person)
    {
        double u = (MonitorHash.Mix((ulong)person * 0x9E3779B97F4A7C15UL) >> 11) * (1.0 / (1UL << 53));
        int index = Array.BinarySearch(s_cumulative, u);
        index = index < 0 ? ~index : index;
        return index == 0 ? "org.example" : $"partner{index}.example";
    }

    private static double[] BuildZipf()
    {
        var weights = new double[RealisticDomains];
        double sum = 0;
        for (int k = 0; k < RealisticDomains; k++)
        {
            weights[k] = 1.0 / (k + 1);
            sum += weights[k];
        }

        double running = 0;
        for (int k = 0; k < RealisticDomains; k++)
        {
            running += weights[k] / sum;
            weights[k] = running;
        }

        weights[^1] = 1.0;
        return weights;
    }
}
