namespace RelayWarden.Policy;

/// <summary>One policy-delegation request: its <c>name=value</c> attributes (SMTPD_POLICY_README).</summary>
public sealed class PolicyRequest
{
    private readonly Dictionary<string, string> _attributes = new(StringComparer.Ordinal);

    /// <summary>An attribute's value, or null when absent.</summary>
    public string? this[string name] => _attributes.GetValueOrDefault(name);

    public int Count => _attributes.Count;

    /// <summary>Adds an attribute; a repeated name keeps its first value (and says so).</summary>
    internal bool TryAdd(string name, string value) => _attributes.TryAdd(name, value);

    internal void Clear() => _attributes.Clear();

    public IEnumerable<KeyValuePair<string, string>> Attributes => _attributes;
}
