using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Policy;
using RelayWarden.Mail.Addresses;

namespace RelayWarden.Benchmarks.Policy;

/// <summary>
/// One full sender-authorization evaluation (raw header bytes of a typical 4 KB message with 15
/// header fields → verdict) against a directory of 100,000 tenants and 1,000,000 domains.
/// Target (issue 2): median ≤ 10 µs and ≤ 4 KB allocated per evaluation.
/// </summary>
[MemoryDiagnoser]
public class EvaluationBenchmarks
{
    private SenderAuthorization _engine = null!;
    private Submission _normal = null!;
    private Submission _forwarded = null!;
    private Submission _incident = null!;
    private Submission _mailStage = null!;

    /// <summary>Tenants in the directory (10 domains and one /28 network each).</summary>
    public const int Tenants = 100_000;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new SenderAuthorization(BuildDirectory(Tenants), Blocklist.Empty, PolicyOptions.Default, TimeProvider.System);
        var client = IPAddress.Parse("10.12.53.5"); // inside tenant 50,000 network: 10.0.0.0 + (50,000 << 4) = 10.12.53.0/28
        string own = "t50000-d3.example";
        _normal = Submit(client, $"<alice@{own}>", TypicalMessage($"\"Alice Martin\" <alice@{own}>", null));
        _forwarded = Submit(client, $"<alice@{own}>", TypicalMessage("Partner Organizer <organizer@partner.example>", $"alice@{own}"));
        _incident = Submit(client, "<>", TypicalMessage("Bank <security@t7-d0.example>", $"noreply@{own}"));
        _mailStage = Submit(client, $"<alice@{own}> SIZE=4096", ReadOnlyMemory<byte>.Empty);

        // A benchmark of the wrong path measures nothing: check each verdict first.
        Expect(Normal(), VerdictAction.Relay, 0);
        Expect(Forwarded(), VerdictAction.Relay, 1);
        Expect(Incident(), VerdictAction.Reject, 1);
        Expect(MailStage(), VerdictAction.Relay, 0);
    }

    private static void Expect(Verdict verdict, VerdictAction action, int reasons)
    {
        if (verdict.Action != action || verdict.Reasons.Count != reasons)
        {
            throw new InvalidOperationException($"unexpected verdict {verdict.Action} {verdict.Reply}: {string.Join("; ", verdict.Reasons)}");
        }
    }

    internal static TenantDirectory BuildDirectory(int count)
    {
        var tenants = new List<Tenant>(count);
        for (int i = 0; i < count; i++)
        {
            var domains = new DomainClaim[10];
            for (int d = 0; d < domains.Length; d++)
            {
                domains[d] = new DomainClaim($"t{i}-d{d}.example");
            }

            uint network = (10u << 24) + ((uint)i << 4);
            var address = new IPAddress(BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(network)));
            tenants.Add(new Tenant
            {
                Id = $"t{i}",
                Domains = domains,
                Networks = [new IPNetwork(address, 28)],
                Users = [new TenantUser($"user@t{i}-d0.example", null)],
            });
        }

        var directory = TenantDirectory.Build(tenants, out var errors);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(errors[0].ToString());
        }

        return directory;
    }

    private static Submission Submit(IPAddress client, string mailFrom, ReadOnlyMemory<byte> message) => new()
    {
        ClientIp = client,
        MailFrom = mailFrom,
        Recipients = ["<bob@customer.example>", "<carol@other-customer.example>"],
        Message = message,
    };

    /// <summary>A 4 KB message with 15 header fields, as an MUA writes it.</summary>
    internal static byte[] TypicalMessage(string from, string? sender)
    {
        var text = new StringBuilder();
        text.Append("Received: from mua.example (mua.example [192.0.2.55])\r\n\tby submit.example with ESMTPSA id 4Xk2;\r\n\tTue, 22 Apr 2025 10:00:00 +0000\r\n");
        text.Append("Return-Path: <alice@t50000-d3.example>\r\n");
        text.Append("From: ").Append(from).Append("\r\n");
        if (sender is not null)
        {
            text.Append("Sender: ").Append(sender).Append("\r\n");
        }

        text.Append("To: Bob Customer <bob@customer.example>, carol@other-customer.example\r\n");
        text.Append("Cc: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <joerg@customer.example>\r\n");
        text.Append("Subject: =?utf-8?q?Quarterly_numbers_=E2=80=93_draft?=\r\n");
        text.Append("Date: Tue, 22 Apr 2025 10:00:00 +0000\r\n");
        text.Append("Message-ID: <20250422100000.4Xk2@t50000-d3.example>\r\n");
        text.Append("In-Reply-To: <prev-1@customer.example>\r\n");
        text.Append("References: <prev-0@customer.example> <prev-1@customer.example>\r\n");
        text.Append("MIME-Version: 1.0\r\n");
        text.Append("Content-Type: text/plain; charset=utf-8; format=flowed\r\n");
        text.Append("Content-Transfer-Encoding: 8bit\r\n");
        text.Append("User-Agent: Thunderbird 128.0\r\n");
        if (sender is null)
        {
            text.Append("X-Mailer-Id: 7f3a\r\n");
        }

        text.Append("\r\n");
        while (text.Length < 4096)
        {
            text.Append("The quarterly numbers are attached below; please review them before Thursday.\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    [Benchmark(Baseline = true, Description = "normal message, relay")]
    public Verdict Normal() => _engine.Evaluate(_normal, SubmissionStage.Data);

    [Benchmark(Description = "forwarded invite, relay")]
    public Verdict Forwarded() => _engine.Evaluate(_forwarded, SubmissionStage.Data);

    [Benchmark(Description = "incident, reject")]
    public Verdict Incident() => _engine.Evaluate(_incident, SubmissionStage.Data);

    [Benchmark(Description = "MAIL stage only")]
    public Verdict MailStage() => _engine.Evaluate(_mailStage, SubmissionStage.Mail);
}
