namespace RelayWarden.Core.Monitor;

/// <summary>
/// The recipient domains an account has ever sent to, as a 2,048-bit Bloom filter (3 hashes, 256
/// bytes): about 2% false "known" at 200 domains, 9% at 400. A false "known" only makes a new domain
/// count as old (the detector under-counts, it never invents novelty).
/// </summary>
internal struct KnownDomains
{
    public const int Words = Bits / 64;
    private const int Bits = 2048;
    private readonly ulong[] _bits;
    private readonly int _offset;

    public KnownDomains()
        : this(new ulong[Words], 0)
    {
    }

    /// <summary>A filter over <see cref="Words"/> words of <paramref name="storage"/> from <paramref name="offset"/>.</summary>
    public KnownDomains(ulong[] storage, int offset)
    {
        _bits = storage;
        _offset = offset;
    }

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
            ref ulong word = ref _bits[_offset + (int)(bit >> 6)];
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

    public readonly bool Contains(ulong hash)
    {
        uint h1 = (uint)hash;
        uint h2 = (uint)(hash >> 32) | 1u;
        for (uint i = 0; i < 3; i++)
        {
            uint bit = (h1 + (i * h2)) & (Bits - 1);
            if ((_bits[_offset + (int)(bit >> 6)] & (1UL << (int)(bit & 63))) == 0)
            {
                return false;
            }
        }

        return true;
    }
}
