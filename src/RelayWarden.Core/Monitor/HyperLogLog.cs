using System.Numerics;

namespace RelayWarden.Core.Monitor;

/// <summary>
/// HyperLogLog registers (Flajolet et al. 2007) over caller-owned bytes, with linear counting for
/// small cardinalities. With 2^p registers the standard error is 1.04/sqrt(2^p).
/// </summary>
public static class HyperLogLog
{
    /// <summary>Records a 64-bit hash in <paramref name="registers"/> (length 2^p).</summary>
    public static void Add(Span<byte> registers, int precision, ulong hash)
    {
        int index = (int)(hash >> (64 - precision));
        ulong rest = (hash << precision) | (1UL << (precision - 1));
        byte rank = (byte)(BitOperations.LeadingZeroCount(rest) + 1);
        if (rank > registers[index])
        {
            registers[index] = rank;
        }
    }

    /// <summary>The cardinality estimate of <paramref name="registers"/>.</summary>
    public static double Estimate(ReadOnlySpan<byte> registers)
    {
        int m = registers.Length;
        double alpha = m switch
        {
            16 => 0.673,
            32 => 0.697,
            64 => 0.709,
            _ => 0.7213 / (1 + (1.079 / m)),
        };
        double sum = 0;
        int zeros = 0;
        foreach (byte r in registers)
        {
            sum += 1.0 / (1UL << r);
            if (r == 0)
            {
                zeros++;
            }
        }

        double estimate = alpha * m * m / sum;
        if (estimate <= 2.5 * m && zeros > 0)
        {
            estimate = m * Math.Log((double)m / zeros);
        }

        return estimate;
    }

    /// <summary>The relative standard error of 2^<paramref name="precision"/> registers.</summary>
    public static double StandardError(int precision) => 1.04 / Math.Sqrt(1 << precision);
}
