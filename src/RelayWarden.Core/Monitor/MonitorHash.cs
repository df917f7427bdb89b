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

    /// <summary>The hash of an address and, in the same pass, of its domain (after the last '@').</summary>
    public static ulong Address(string address, out ulong domain)
    {
        int at = address.LastIndexOf('@');
        if (at < 0)
        {
            domain = Of(address);
            return domain;
        }

        domain = Of(address.AsSpan(at + 1));
        return Mix(Of(address.AsSpan(0, at)) ^ (domain * 0x9E3779B97F4A7C15UL));
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
