using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace RelayWarden.Hosting.Configuration;

/// <summary>Typed reads of YAML nodes that record a <see cref="ConfigError"/> with the key path and line on every mismatch.</summary>
internal sealed class YamlNodes
{
    private readonly List<ConfigError> _errors;

    public YamlNodes(List<ConfigError> errors) => _errors = errors;

    public void Error(string place, string message, YamlNode? node) =>
        _errors.Add(new ConfigError(place, message, node is null ? 0 : (int)node.Start.Line));

    public static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    /// <summary>Reports keys that are not in <paramref name="known"/> (typos must not pass silently).</summary>
    public void CheckKeys(YamlMappingNode map, string place, params string[] known)
    {
        foreach (var key in map.Children.Keys)
        {
            string name = (key as YamlScalarNode)?.Value ?? "?";
            if (Array.IndexOf(known, name) < 0)
            {
                Error($"{place}.{name}", $"unknown key (expected one of: {string.Join(", ", known)})", key);
            }
        }
    }

    public YamlMappingNode? Mapping(YamlNode? node, string place)
    {
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is YamlMappingNode map)
        {
            return map;
        }

        Error(place, "expected a mapping (key: value)", node);
        return null;
    }

    public YamlSequenceNode? Sequence(YamlNode? node, string place)
    {
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is YamlSequenceNode sequence)
        {
            return sequence;
        }

        Error(place, "expected a list", node);
        return null;
    }

    public string? String(YamlNode? node, string place)
    {
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            return scalar.Value;
        }

        Error(place, "expected a single value", node);
        return null;
    }

    public bool? Bool(YamlNode? node, string place)
    {
        string? text = String(node, place);
        if (text is null)
        {
            return null;
        }

        switch (text.ToLowerInvariant())
        {
            case "true" or "yes" or "on":
                return true;
            case "false" or "no" or "off":
                return false;
            default:
                Error(place, $"'{text}' is not true or false", node);
                return null;
        }
    }

    public long? Integer(YamlNode? node, string place, long min, long max)
    {
        string? text = String(node, place);
        if (text is null)
        {
            return null;
        }

        if (!long.TryParse(text.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
        {
            Error(place, $"'{text}' is not a whole number from {min} to {max}", node);
            return null;
        }

        return value;
    }

    public DateTimeOffset? Time(YamlNode? node, string place)
    {
        string? text = String(node, place);
        if (text is null)
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            Error(place, $"'{text}' is not an ISO-8601 time (2025-04-02T00:00:00Z)", node);
            return null;
        }

        return value;
    }

    public TEnum? Enum<TEnum>(YamlNode? node, string place, params (string Name, TEnum Value)[] names)
        where TEnum : struct
    {
        string? text = String(node, place);
        if (text is null)
        {
            return null;
        }

        foreach (var (name, value) in names)
        {
            if (string.Equals(name, text, StringComparison.Ordinal))
            {
                return value;
            }
        }

        Error(place, $"'{text}' is not one of: {string.Join(", ", names.Select(n => n.Name))}", node);
        return null;
    }

    /// <summary>A scalar or a list of scalars.</summary>
    public List<(string Value, YamlNode Node)> Strings(YamlNode? node, string place)
    {
        var result = new List<(string, YamlNode)>();
        if (node is null || IsNull(node))
        {
            return result;
        }

        if (node is YamlScalarNode scalar && scalar.Value is not null)
        {
            result.Add((scalar.Value, scalar));
            return result;
        }

        if (Sequence(node, place) is not { } sequence)
        {
            return result;
        }

        int i = 0;
        foreach (var item in sequence)
        {
            if (String(item, $"{place}[{i}]") is { } value)
            {
                result.Add((value, item));
            }

            i++;
        }

        return result;
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Value: null or "" or "~" or "null", Style: YamlDotNet.Core.ScalarStyle.Plain };
}
