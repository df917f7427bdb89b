using System.Runtime.CompilerServices;

namespace RelayWarden.Core.Monitor;

/// <summary>A deterministic 64-bit hash (FNV-1a folded through the SplitMix64 finalizer): the same in every process, so sketches and replays are reproducible.</summary>
internal static class MonitorHash
{
    public static ulong Of(ReadOnlySpan<char> text)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in text)
        {
            uint folded = c is >= 'A' and <= 'Z' ? (uint)(c | 0x20) : c;
            h = (h ^ folded) * 1099511628211UL;
        }

        return Mix(h);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        return z ^ (z >> 31);
    }

    /// <summary>The domain part of an address (after the last '@'), or the whole text when there is none.</summary>
    public static ReadOnlySpan<char> DomainOf(string address)
    {
        int at = address.LastIndexOf('@');
        return at < 0 ? address : address.AsSpan(at + 1);
    }
}
