using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RelayWarden.Core.Control;

namespace RelayWarden.Web.Metrics;

/// <summary>
/// <c>GET /metrics</c>, anonymous like <c>/healthz</c>: the relay's counters and histograms
/// (decisions by door, stage and action; rules; delivery results; alerts; latencies) plus gauges read
/// at scrape time (queue sizes, open alerts, suspensions, allowances). Counters start when the console
/// starts (with <c>relaywarden serve</c>).
/// </summary>
internal static class MetricsEndpoint
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Map(WebApplication app)
    {
        var collector = new MetricsCollector();
        app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(collector.Dispose);
        app.MapGet("/metrics", (ConsoleContext console) => Results.Text(collector.Render(Gauges(console)), ContentType))
            .AllowAnonymous().ExcludeFromDescription();
    }

    private static IEnumerable<Gauge> Gauges(ConsoleContext console)
    {
        var host = console.Host;
        yield return new Gauge("relaywarden_queue_messages", "Messages in the spool: queued for delivery, or held for review.", [("state", "queued")], host.Spool.List().Count);
        yield return new Gauge("relaywarden_queue_messages", "Messages in the spool: queued for delivery, or held for review.", [("state", "held")], host.Spool.List(held: true).Count);
        yield return new Gauge("relaywarden_alerts_open", "Alerts not dismissed.", [], host.Triage.OpenCount());
        yield return new Gauge("relaywarden_smtp_data_memory_bytes", "Octets of message data the SMTP sessions hold in memory (relay.limits.max_data_memory caps it).", [], host.SmtpDataMemoryInUse);
        if (host.Records is Storage.Sqlite.SqliteDecisionStore records)
        {
            yield return new Gauge("relaywarden_records_queued", "Decision records waiting for the record writer (decisions are dropped, and counted, beyond 65,536).", [], records.Queued);
        }

        var suspensions = host.Control.Suspensions();
        yield return new Gauge("relaywarden_suspensions", "Suspensions in force, by scope.", [("scope", "account")], suspensions.Count(s => s.Scope == SuspensionScope.Account));
        yield return new Gauge("relaywarden_suspensions", "Suspensions in force, by scope.", [("scope", "tenant")], suspensions.Count(s => s.Scope == SuspensionScope.Tenant));
        yield return new Gauge("relaywarden_monitor_allowances", "Monitor allowances in force.", [], host.Triage.Allowances(console.Now).Count);

        // The runtime's garbage collector (counters since the process started): pauses stop every door.
        yield return new Gauge("relaywarden_gc_pause_seconds_total", "Time the garbage collector paused the process, since start.", [], GC.GetTotalPauseDuration().TotalSeconds);
        for (int generation = 0; generation <= 2; generation++)
        {
            yield return new Gauge("relaywarden_gc_collections_total", "Garbage collections since start, by generation (a collection of a generation counts for the younger ones too).",
                [("generation", generation.ToString(System.Globalization.CultureInfo.InvariantCulture))], GC.CollectionCount(generation));
        }
    }
}
