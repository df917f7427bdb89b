using System.Text;

namespace RelayWarden.LogHunt.Parsing;

/// <summary>
/// Reuses the strings a log repeats (logins, envelope senders, client addresses, usual recipients), so a replay
/// allocates one string per distinct value instead of one per line: fewer young objects, less GC. Bounded: when it
/// holds <see cref="Capacity"/> strings it starts over (a flood of unique values costs a clear, not memory).
/// </summary>
internal sealed class StringPool(int capacity = 65_536)
{
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private bool _ready;

    public int Capacity => capacity;

    /// <summary>The ASCII-lower-cased text of <paramref name="bytes"/> (UTF-8), pooled when short.</summary>
    public string Lower(ReadOnlySpan<byte> bytes) => Get(bytes, lower: true);

    public string Text(ReadOnlySpan<byte> bytes) => Get(bytes, lower: false);

    private string Get(ReadOnlySpan<byte> bytes, bool lower)
    {
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }

        if (bytes.Length > 128 || !System.Text.Ascii.IsValid(bytes))
        {
            return lower ? Ascii.Lower(bytes) : Encoding.UTF8.GetString(bytes);
        }

        if (!_ready)
        {
            _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
            _ready = true;
        }

        Span<char> chars = stackalloc char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            chars[i] = (char)(lower && (uint)(b - 'A') <= 'Z' - 'A' ? b | 0x20 : b);
        }

        if (_lookup.TryGetValue(chars, out string? found))
        {
            return found;
        }

        if (_strings.Count >= capacity)
        {
            _strings.Clear();
        }

        string text = new(chars);
        _strings[text] = text;
        return text;
    }
}
