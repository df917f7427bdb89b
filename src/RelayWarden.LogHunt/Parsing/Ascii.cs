using System.Buffers.Text;
using System.Text;

namespace RelayWarden.LogHunt.Parsing;

/// <summary>Small helpers over UTF-8 log bytes.</summary>
internal static class Ascii
{
    public static string Text(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? string.Empty : Encoding.UTF8.GetString(bytes);

    /// <summary>The text lower-cased (ASCII letters only), as addresses are compared.</summary>
    public static string Lower(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IndexOfAnyInRange((byte)'A', (byte)'Z') < 0)
        {
            return Text(bytes);
        }

        Span<byte> copy = bytes.Length <= 512 ? stackalloc byte[bytes.Length] : new byte[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            copy[i] = (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;
        }

        return Encoding.UTF8.GetString(copy);
    }

    /// <summary>The value after <paramref name="key"/> up to <paramref name="end"/> (or the end of the text); false when the key is absent.</summary>
    public static bool TryField(ReadOnlySpan<byte> text, ReadOnlySpan<byte> key, byte end, out ReadOnlySpan<byte> value)
    {
        value = default;
        int at = text.IndexOf(key);
        if (at < 0)
        {
            return false;
        }

        var rest = text[(at + key.Length)..];
        int stop = rest.IndexOf(end);
        value = stop < 0 ? rest : rest[..stop];
        return true;
    }

    /// <summary>"&lt;addr&gt;" after <paramref name="key"/> (e.g. <c>from=&lt;</c>): the address without brackets.</summary>
    public static bool TryAngle(ReadOnlySpan<byte> text, ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value) => TryField(text, key, (byte)'>', out value);

    /// <summary>"name[ip]" at the start of <paramref name="text"/>.</summary>
    public static bool TryClient(ReadOnlySpan<byte> text, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> ip)
    {
        name = ip = default;
        int open = text.IndexOf((byte)'[');
        if (open < 0)
        {
            return false;
        }

        int close = text[open..].IndexOf((byte)']');
        if (close < 0)
        {
            return false;
        }

        name = text[..open];
        ip = text.Slice(open + 1, close - 1);
        return true;
    }

    public static long Long(ReadOnlySpan<byte> text) => Utf8Parser.TryParse(text, out long value, out _) ? value : -1;

    public static double Double(ReadOnlySpan<byte> text) => Utf8Parser.TryParse(text, out double value, out _) ? value : double.NaN;

    /// <summary>FNV-1a 64 of the bytes.</summary>
    public static ulong Hash(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }
}
