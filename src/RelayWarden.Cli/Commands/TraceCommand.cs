using System.CommandLine;
using System.Globalization;
using RelayWarden.LogHunt.Records;
using RelayWarden.LogHunt.Tracing;

namespace RelayWarden.Cli.Commands;

/// <summary>
/// <c>relaywarden trace FILE... --message-id|--recipient|--sender|--subject [--since --until] [--around MIN]</c>:
/// who sent it: for each matching message the account, client IP, queue ids, recipients and their results, then
/// the account's activity around that time (a second pass; not for standard input). Exit 0 when it ran (matches or
/// not), 2 on bad usage.
/// </summary>
internal static class TraceCommand
{
    public static Command Create(CliIo io)
    {
        var logs = new LogOptions();
        var messageId = new Option<string?>("--message-id") { Description = "The Message-ID (with or without <>)." };
        var recipient = new Option<string?>("--recipient") { Description = "A recipient address." };
        var sender = new Option<string?>("--sender") { Description = "The envelope sender (or the logged From header)." };
        var subject = new Option<string?>("--subject") { Description = "A substring of the Subject (where header_checks WARN logs it)." };
        var since = TimeWindow.Since("messages");
        var until = TimeWindow.Until("messages", inclusive: true);
        var around = new Option<int>("--around") { Description = "Minutes of the account's activity shown before and after each match.", DefaultValueFactory = _ => 60 };
        var limit = new Option<int>("--limit") { Description = "Matches shown at most.", DefaultValueFactory = _ => 20 };

        var command = new Command("trace", "Find who sent a message: by Message-ID, recipient, sender or subject, within a time window.")
        {
            messageId, recipient, sender, subject, since, until, around, limit,
        };
        logs.AddTo(command);

        command.SetAction(parse =>
        {
            if (logs.TryBind(parse, io, "trace") is not var (inputs, replay))
            {
                return Program.UsageError;
            }

            if (!TimeWindow.TryBind(parse, io, "trace", since, until, TimeProvider.System.GetUtcNow(), out var from, out var to))
            {
                return Program.UsageError;
            }

            var query = new TraceQuery
            {
                MessageId = parse.GetValue(messageId),
                Recipient = parse.GetValue(recipient),
                Sender = parse.GetValue(sender),
                Subject = parse.GetValue(subject),
                Since = from,
                Until = to,
            };
            if (query.IsEmpty)
            {
                io.Error.WriteLine("relaywarden trace: give at least one of --message-id, --recipient, --sender, --subject");
                return Program.UsageError;
            }

            var tracer = new MessageTracer(query);
            ActivityCollector? activity = null;
            var window = TimeSpan.FromMinutes(Math.Max(0, parse.GetValue(around)));
            try
            {
                var statistics = replay.Run(inputs, tracer, io.OpenStdin);
                var shown = tracer.Matches.Take(Math.Max(1, parse.GetValue(limit))).ToList();
                var windows = new Dictionary<string, (DateTimeOffset From, DateTimeOffset To)>(StringComparer.Ordinal);
                foreach (var match in shown)
                {
                    if (ActivityCollector.AccountOf(match) is { } account)
                    {
                        var span = (match.FirstTime - window, match.LastTime + window);
                        windows[account] = windows.TryGetValue(account, out var old) ? (Min(old.From, span.Item1), Max(old.To, span.Item2)) : span;
                    }
                }

                if (inputs.All(i => !i.IsStdin) && shown.Count > 0)
                {
                    activity = new ActivityCollector(windows, shown.Where(m => m.MessageId is not null).Select(m => m.MessageId!).ToHashSet(StringComparer.Ordinal));
                    replay.Run(inputs, activity, io.OpenStdin);
                }

                Print(io.Out, tracer, shown, activity, window);
                io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{tracer.Matches.Count}{(tracer.Truncated ? "+" : string.Empty)} matching messages, {tracer.Rejects.Count} matching SMTP rejects; {statistics.Lines:N0} lines, {statistics.Garbled:N0} garbled, {statistics.Unjoinable:N0} unjoinable."));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                io.Error.WriteLine($"relaywarden trace: cannot read the log: {exception.Message}");
                return Program.UsageError;
            }

            return 0;
        });

        return command;
    }

    private static void Print(TextWriter output, MessageTracer tracer, List<MailRecord> shown, ActivityCollector? activity, TimeSpan window)
    {
        foreach (var match in shown)
        {
            string account = ActivityCollector.AccountOf(match) ?? "(unknown)";
            var queueIds = match.MessageId is { } id && activity?.ByMessageId.TryGetValue(id, out var same) == true
                ? same.Select(r => $"{r.Host}/{r.QueueId}").Distinct().ToList()
                : [$"{match.Host}/{match.QueueId}"];
            output.WriteLine($"== {LogOptions.Time(match.FirstTime)}  account {account}  client {match.ClientName ?? "-"}[{match.ClientIp ?? "-"}]");
            output.WriteLine($"   queue ids: {string.Join(", ", queueIds)}");
            output.WriteLine($"   message-id: <{match.MessageId ?? "-"}>  sender: <{match.Sender ?? "-"}>  size: {match.Size}");
            if (match.Subject is not null || match.FromHeader is not null)
            {
                output.WriteLine($"   subject: {match.Subject ?? "-"}  from: {match.FromHeader ?? "-"}");
            }

            foreach (var recipient in match.Recipients)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   to <{recipient.Address}> {recipient.Status.ToString().ToLowerInvariant()} dsn={recipient.Dsn ?? "-"} relay={recipient.Relay ?? "-"} delay={recipient.Delay}"));
            }

            if (match.RejectedRecipients > 0)
            {
                output.WriteLine($"   {match.RejectedRecipients} recipients rejected at RCPT in this session");
            }

            if (activity?.Activity.TryGetValue(account, out var records) == true)
            {
                var near = records.Where(r => r.FirstTime <= match.LastTime + window && r.LastTime >= match.FirstTime - window).OrderBy(r => r.FirstTime).ToList();
                var domains = near.SelectMany(r => r.Recipients).Select(r => r.Address[(r.Address.LastIndexOf('@') + 1)..]).ToList();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"   activity of {account} within {window.TotalMinutes:0} min: {near.Count} messages, {domains.Count} recipients, {domains.Distinct(StringComparer.Ordinal).Count()} recipient domains, {near.Sum(r => r.CountStatus(DeliveryStatus.Bounced) + r.RejectedRecipients)} refused; client IPs {string.Join(", ", near.Select(r => r.ClientIp).Where(ip => ip is not null).Distinct())}"));
                output.WriteLine($"   top domains: {string.Join(", ", domains.GroupBy(d => d).OrderByDescending(g => g.Count()).Take(5).Select(g => $"{g.Key} ({g.Count()})"))}");
                foreach (var record in near.Take(15))
                {
                    output.WriteLine($"     {LogOptions.Short(record.FirstTime)} {record.QueueId} <{record.Sender}> {record.Recipients.Count} rcpt {record.Subject ?? string.Empty}");
                }

                if (near.Count > 15)
                {
                    output.WriteLine($"     ... {near.Count - 15} more");
                }
            }
        }

        foreach (var reject in tracer.Rejects.Take(20))
        {
            output.WriteLine($"-- {LogOptions.Time(reject.Time)}  SMTP reject  client [{reject.ClientIp ?? "-"}]  login {reject.Login ?? "-"}  <{reject.Sender}> -> <{reject.Recipient}>: {reject.Reply}");
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
