using System.Collections.Concurrent;

namespace RelayWarden.Web.Auth;

/// <summary>
/// Slows password guessing: after <see cref="MaxFailures"/> failed sign-ins for one name, or
/// <see cref="MaxFailuresPerAddress"/> from one client address (operators may share a NAT), within
/// <see cref="Window"/>, further attempts are refused until the window passes.
/// </summary>
public sealed class LoginThrottle
{
    public const int MaxFailures = 5;

    public const int MaxFailuresPerAddress = 50;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<string, (int Count, DateTimeOffset Since)> _failures = new(StringComparer.Ordinal);

    /// <summary>True when the name or the address has too many recent failures.</summary>
    public bool IsLocked(string name, string address, DateTimeOffset now) =>
        Locked("name:" + name, MaxFailures, now) || Locked("ip:" + address, MaxFailuresPerAddress, now);

    public void Failed(string name, string address, DateTimeOffset now)
    {
        Failed("name:" + name, now);
        Failed("ip:" + address, now);
    }

    public void Succeeded(string name, string address)
    {
        _failures.TryRemove("name:" + name, out _);
        _failures.TryRemove("ip:" + address, out _);
    }

    private bool Locked(string key, int limit, DateTimeOffset now) =>
        _failures.TryGetValue(key, out var entry) && entry.Count >= limit && now - entry.Since < Window;

    private void Failed(string key, DateTimeOffset now)
    {
        if (_failures.Count > 100_000)
        {
            _failures.Clear(); // bounded memory under a spray of names
        }

        _failures.AddOrUpdate(key, _ => (1, now), (_, entry) => now - entry.Since >= Window ? (1, now) : (entry.Count + 1, entry.Since));
    }
}
