namespace RelayWarden.Core.Monitor;

/// <summary>
/// The recipient domains an account has ever sent to, as a 4,096-bit Bloom filter (3 hashes, 512
/// bytes): about 1% false "known" at 250 domains, 5% at 450. A false "known" only makes a new domain
/// count as old (the detector under-counts, it never invents novelty).
/// </summary>
internal sealed class KnownDomains
{
    private const int Bits = 4096;
    private readonly ulong[] _bits = new ulong[Bits / 64];

    /// <summary>How many domains were added as new (an estimate of the account's domain history).</summary>
    public int Count { get; private set; }

    /// <summary>Adds the domain; true when it was not known before.</summary>
    public bool Add(ulong hash)
    {
        uint h1 = (uint)hash;
        uint h2 = (uint)(hash >> 32) | 1u;
        bool added = false;
        for (uint i = 0; i < 3; i++)
        {
            uint bit = (h1 + (i * h2)) & (Bits - 1);
            ref ulong word = ref _bits[bit >> 6];
            ulong mask = 1UL << (int)(bit & 63);
            if ((word & mask) == 0)
            {
                word |= mask;
                added = true;
            }
        }

        if (added)
        {
            Count++;
        }

        return added;
    }

    public bool Contains(ulong hash)
    {
        uint h1 = (uint)hash;
        uint h2 = (uint)(hash >> 32) | 1u;
        for (uint i = 0; i < 3; i++)
        {
            uint bit = (h1 + (i * h2)) & (Bits - 1);
            if ((_bits[bit >> 6] & (1UL << (int)(bit & 63))) == 0)
            {
                return false;
            }
        }

        return true;
    }

    public static int StateBytes => 24 + 24 + (Bits / 8) + 8;
}
