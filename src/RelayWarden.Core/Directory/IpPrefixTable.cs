using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace RelayWarden.Core.Directory;

/// <summary>
/// Longest-prefix match for IPv4 and IPv6 networks: one hash table per prefix length in use,
/// probed from the longest length down. Cost is bounded by the number of distinct lengths, never
/// by the number of networks. IPv4-mapped IPv6 addresses match IPv4 networks.
/// </summary>
public sealed class IpPrefixTable<T>
    where T : class
{
    private readonly Dictionary<uint, T>?[] _v4 = new Dictionary<uint, T>?[33];
    private readonly Dictionary<UInt128, T>?[] _v6 = new Dictionary<UInt128, T>?[129];
    private int[] _v4Lengths = [];
    private int[] _v6Lengths = [];

    /// <summary>Number of networks.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a network; false when exactly the same network is already present (its owner is returned).</summary>
    public bool TryAdd(IPNetwork network, T value, out T existing)
    {
        var address = network.BaseAddress;
        int length = network.PrefixLength;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var table = _v4[length] ??= [];
            uint key = Mask4(ToUInt32(address), length);
            if (table.TryGetValue(key, out existing!))
            {
                return false;
            }

            table[key] = value;
            _v4Lengths = Lengths(_v4);
        }
        else
        {
            var table = _v6[length] ??= [];
            var key = Mask6(ToUInt128(address), length);
            if (table.TryGetValue(key, out existing!))
            {
                return false;
            }

            table[key] = value;
            _v6Lengths = Lengths(_v6);
        }

        existing = null!;
        Count++;
        return true;
    }

    /// <summary>The value of exactly <paramref name="network"/> (not of a longer or shorter one), or null.</summary>
    public T? FindExact(IPNetwork network)
    {
        var address = network.BaseAddress;
        int length = network.PrefixLength;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return _v4[length]?.GetValueOrDefault(Mask4(ToUInt32(address), length));
        }

        return _v6[length]?.GetValueOrDefault(Mask6(ToUInt128(address), length));
    }

    /// <summary>The value of the longest network holding <paramref name="address"/>, or null.</summary>
    public T? Find(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            uint value = ToUInt32(address);
            foreach (int length in _v4Lengths)
            {
                if (_v4[length]!.TryGetValue(Mask4(value, length), out var found))
                {
                    return found;
                }
            }

            return null;
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }

        var wide = ToUInt128(address);
        foreach (int length in _v6Lengths)
        {
            if (_v6[length]!.TryGetValue(Mask6(wide, length), out var found))
            {
                return found;
            }
        }

        return null;
    }

    private static int[] Lengths<TKey>(Dictionary<TKey, T>?[] tables)
        where TKey : notnull
    {
        var lengths = new List<int>();
        for (int i = tables.Length - 1; i >= 0; i--)
        {
            if (tables[i] is { Count: > 0 })
            {
                lengths.Add(i);
            }
        }

        return [.. lengths];
    }

    private static uint ToUInt32(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    private static UInt128 ToUInt128(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static uint Mask4(uint value, int length) => length == 0 ? 0 : value & (uint.MaxValue << (32 - length));

    private static UInt128 Mask6(UInt128 value, int length) => length == 0 ? UInt128.Zero : value & (UInt128.MaxValue << (128 - length));
}
