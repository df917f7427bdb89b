using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RelayWarden.TestSupport;

/// <summary>
/// A private dnsmasq (Debian package <c>dnsmasq-base</c>, installed by test.sh) on 127.0.0.1 and a free
/// port, answering the TXT records it is given and NXDOMAIN for any other name under its local zones;
/// no upstream. <see cref="Publish"/> restarts it on the same port with a new set of records (what a
/// tenant does when it publishes its verification record).
/// </summary>
public sealed class DnsmasqServer : IDisposable
{
    private readonly string[] _zones;
    private Process? _process;

    private DnsmasqServer(string[] zones, int port)
    {
        _zones = zones;
        Endpoint = new IPEndPoint(IPAddress.Loopback, port);
    }

    public IPEndPoint Endpoint { get; }

    /// <summary><c>127.0.0.1:PORT</c>, as the configuration writes a name server.</summary>
    public string Address => Endpoint.ToString();

    /// <summary>Starts dnsmasq authoritative (NXDOMAIN) for <paramref name="zones"/> with the TXT records <paramref name="txt"/>.</summary>
    public static DnsmasqServer Start(IEnumerable<string> zones, params (string Name, string Value)[] txt)
    {
        for (int attempt = 0; ; attempt++)
        {
            var server = new DnsmasqServer([.. zones], FreeUdpPort());
            try
            {
                server.Publish(txt);
                return server;
            }
            catch (InvalidOperationException) when (attempt < 10)
            {
                server.Dispose(); // The port was taken between the probe and the bind: try another.
            }
        }
    }

    /// <summary>Restarts dnsmasq on the same port answering exactly <paramref name="txt"/>.</summary>
    public void Publish(params (string Name, string Value)[] txt)
    {
        Stop();
        var arguments = new List<string>
        {
            "--no-daemon", "--conf-file=/dev/null", "--no-hosts", "--no-resolv", "--bind-interfaces", "--listen-address=127.0.0.1",
            $"--port={Endpoint.Port}", "--log-facility=-", "--pid-file=", "--cache-size=0",
        };
        arguments.AddRange(_zones.Select(zone => $"--local=/{zone}/"));
        arguments.AddRange(txt.Select(record => $"--txt-record={record.Name},{record.Value}")); // No shell: no quotes (a ',' would split the strings).
        var info = new ProcessStartInfo("dnsmasq", arguments) { RedirectStandardError = true, RedirectStandardOutput = true };
        var process = Process.Start(info) ?? throw new InvalidOperationException("dnsmasq did not start");
        _process = process;

        // dnsmasq logs "started" once it listens; it exits at once when the port is taken.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string log = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            var line = process.StandardError.ReadLine();
            if (line is null)
            {
                break;
            }

            log += line + "\n";
            if (line.Contains("started", StringComparison.Ordinal))
            {
                _ = process.StandardError.ReadToEndAsync(); // Keep draining so it never blocks on a full pipe.
                return;
            }
        }

        Stop();
        throw new InvalidOperationException($"dnsmasq did not start on port {Endpoint.Port}: {log}");
    }

    public void Dispose() => Stop();

    private void Stop()
    {
        if (_process is { } process)
        {
            _process = null;
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }
    }

    // dnsmasq listens on UDP and TCP: a port free for both (the TCP side is often an ephemeral port
    // of some connection when the machine is busy with other tests).
    private static int FreeUdpPort()
    {
        while (true)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken for TCP: another.
            }
        }
    }
}
