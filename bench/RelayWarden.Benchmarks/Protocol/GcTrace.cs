using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace RelayWarden.Benchmarks.Protocol;

/// <summary>
/// With RELAYWARDEN_GC_TRACE=1 the load commands print why the runtime collected (GCStart reasons by
/// generation) and what was allocated (GCAllocationTick, one event per ~100 KB: the type and heap),
/// to find what drives collections on a hot path.
/// </summary>
internal sealed class GcTrace : EventListener
{
    private readonly ConcurrentDictionary<string, int> _starts = new();
    private readonly ConcurrentDictionary<string, int> _ticks = new();

    public static GcTrace? StartIfAsked() => Environment.GetEnvironmentVariable("RELAYWARDEN_GC_TRACE") == "1" ? new GcTrace() : null;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is null || e.Payload is null || e.PayloadNames is null)
        {
            return;
        }

        object? Field(string name) => e.PayloadNames.IndexOf(name) is int i and >= 0 ? e.Payload[i] : null;
        if (e.EventName.StartsWith("GCStart", StringComparison.Ordinal))
        {
            _starts.AddOrUpdate($"gen{Field("Depth")} reason {Field("Reason")}", 1, (_, n) => n + 1);
        }
        else if (e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal))
        {
            string heap = Field("AllocationKind") is uint kind ? kind switch { 0 => "small", 1 => "large", _ => "pinned" } : "?";
            _ticks.AddOrUpdate($"{heap} {Field("TypeName")}", 1, (_, n) => n + 1);
        }
    }

    public void Print(TextWriter output)
    {
        output.WriteLine("  GC starts (generation, reason: 0 small alloc, 1 induced, 4 large alloc, 6 low memory...):");
        foreach (var (key, count) in _starts.OrderByDescending(p => p.Value))
        {
            output.WriteLine($"    {count,6}  {key}");
        }

        output.WriteLine("  allocation ticks (~100 KB each), top 15:");
        foreach (var (key, count) in _ticks.OrderByDescending(p => p.Value).Take(15))
        {
            output.WriteLine($"    {count,6}  {key}");
        }
    }
}
