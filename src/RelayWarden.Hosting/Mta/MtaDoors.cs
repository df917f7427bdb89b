using RelayWarden.Core.Monitor;
using RelayWarden.Core.Policy;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Milter;
using RelayWarden.Policy;
using RelayWarden.Smtp;

namespace RelayWarden.Hosting.Mta;

/// <summary>
/// The doors for an existing MTA: the milter (<c>listen.milter</c>) and the Postfix policy-delegation
/// server (<c>listen.policy</c>), both asking the same engine as the relay.
/// </summary>
public sealed class MtaDoors : IAsyncDisposable
{
    private MtaDoors(MilterServer? milter, PolicyServer? policy)
    {
        Milter = milter;
        Policy = policy;
    }

    public MilterServer? Milter { get; }

    public PolicyServer? Policy { get; }

    /// <summary>Starts the configured doors (none when neither is set).</summary>
    public static MtaDoors Start(RelayWardenConfig config, Func<SenderAuthorization> engine, RelayLog log) => Start(config, engine, null, log, TimeProvider.System);

    /// <summary>Starts the configured doors, with the shared monitor (milter: end of headers; policy: END-OF-MESSAGE) and its clock.</summary>
    public static MtaDoors Start(RelayWardenConfig config, Func<SenderAuthorization> engine, IMonitorGate? monitor, RelayLog log, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(config);
        MilterServer? milter = null;
        PolicyServer? policy = null;
        try
        {
            if (config.Listen.Milter is { } address)
            {
                var limits = config.Listen.EventLoops is { } loops ? MilterLimits.Default with { EventLoops = loops } : MilterLimits.Default;
                milter = new MilterServer(address, engine, limits, new RelayLogLogger(log, "milter")) { Monitor = monitor, Time = time };
                milter.Start();
            }

            if (config.Listen.Policy is { } endpoint)
            {
                var limits = config.Listen.EventLoops is { } loops ? PolicyLimits.Default with { EventLoops = loops } : PolicyLimits.Default;
                policy = new PolicyServer(endpoint, new PolicyDecider(engine, monitor, time), limits, new RelayLogLogger(log, "policy"));
                policy.Start();
            }
        }
        catch
        {
            milter?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            policy?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        return new MtaDoors(milter, policy);
    }

    /// <summary>Stops accepting, lets connections finish their current event until the deadline.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        var stops = new List<Task>(2);
        if (Milter is not null)
        {
            stops.Add(Milter.StopAsync(drain));
        }

        if (Policy is not null)
        {
            stops.Add(Policy.StopAsync(drain));
        }

        await Task.WhenAll(stops).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Milter is not null)
        {
            await Milter.DisposeAsync().ConfigureAwait(false);
        }

        if (Policy is not null)
        {
            await Policy.DisposeAsync().ConfigureAwait(false);
        }
    }
}
