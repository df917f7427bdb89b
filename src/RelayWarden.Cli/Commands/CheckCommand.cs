using System.CommandLine;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using RelayWarden.Core.Policy;
using RelayWarden.Hosting.Configuration;

namespace RelayWarden.Cli.Commands;

/// <summary>
/// <c>relaywarden check</c>: evaluates one submission offline and prints the verdict as one JSON
/// object (a contract). Exit 0 whenever a verdict was reached; 2 on a bad invocation, a bad
/// configuration or an unreadable message.
/// </summary>
internal static class CheckCommand
{
    public static Command Create(CliIo io)
    {
        var config = new Option<string>("--config") { Description = "The YAML configuration (tenants, policy).", Required = true };
        var clientIp = new Option<string>("--client-ip") { Description = "The client's IP address.", Required = true };
        var authUser = new Option<string?>("--auth-user") { Description = "The SMTP-AUTH login, if the client authenticated." };
        var mailFrom = new Option<string>("--mail-from") { Description = "The MAIL FROM argument: '<addr> PARAMS', a bare address, or '' / '<>' for the null sender.", Required = true };
        var rcpt = new Option<string[]>("--rcpt") { Description = "A recipient (repeat for more).", Required = true, Arity = ArgumentArity.OneOrMore };
        var message = new Argument<string>("MESSAGE") { Description = "The message file (.eml), or - for standard input." };

        var command = new Command("check", "Evaluate one submission offline and print the verdict as JSON.")
        {
            config, clientIp, authUser, mailFrom, rcpt, message,
        };

        command.SetAction(parse =>
        {
            if (!IPAddress.TryParse(parse.GetValue(clientIp), out var ip))
            {
                io.Error.WriteLine($"relaywarden check: --client-ip '{parse.GetValue(clientIp)}' is not an IP address");
                return Program.UsageError;
            }

            RelayWardenConfig loaded;
            try
            {
                loaded = ConfigLoader.LoadFile(parse.GetValue(config)!);
            }
            catch (ConfigException exception)
            {
                io.Error.WriteLine($"relaywarden check: bad configuration: {exception.Message}");
                return Program.UsageError;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                io.Error.WriteLine($"relaywarden check: cannot read configuration '{parse.GetValue(config)}': {exception.Message}");
                return Program.UsageError;
            }

            byte[] bytes;
            string path = parse.GetValue(message)!;
            try
            {
                bytes = path == "-" ? ReadAll(io.OpenStdin()) : File.ReadAllBytes(path);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                io.Error.WriteLine($"relaywarden check: cannot read message '{path}': {exception.Message}");
                return Program.UsageError;
            }

            var engine = new SenderAuthorization(loaded.Directory, loaded.Blocklist, loaded.Policy, TimeProvider.System);
            var submission = new Submission
            {
                ClientIp = ip,
                AuthLogin = parse.GetValue(authUser),
                MailFrom = parse.GetValue(mailFrom) ?? string.Empty,
                LenientMailFrom = true,
                Recipients = parse.GetValue(rcpt) ?? [],
                Message = bytes,
            };

            var verdict = engine.Evaluate(submission, SubmissionStage.Data);
            io.Out.WriteLine(ToJson(verdict));
            return 0;
        });

        return command;
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static readonly JsonWriterOptions s_json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The contract: <c>{"action","reply","tenant","reasons":[{"rule","detail",...}]}</c>.</summary>
    internal static string ToJson(Verdict verdict)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, s_json))
        {
            json.WriteStartObject();
            json.WriteString("action", verdict.Action.ToString().ToLowerInvariant());
            json.WriteString("reply", verdict.Reply.ToString());
            if (verdict.Tenant is null)
            {
                json.WriteNull("tenant");
            }
            else
            {
                json.WriteString("tenant", verdict.Tenant);
            }

            json.WriteStartArray("reasons");
            foreach (var reason in verdict.Reasons)
            {
                json.WriteStartObject();
                json.WriteString("rule", reason.Rule);
                json.WriteString("detail", reason.Detail);
                json.WriteString("outcome", reason.Outcome.ToString().ToLowerInvariant());
                var evidence = reason.Evidence;
                json.WriteStartObject("evidence");
                WriteIf(json, "header", evidence.Header);
                WriteIf(json, "address", evidence.Address);
                WriteIf(json, "domain", evidence.Domain);
                WriteIf(json, "owner", evidence.Owner);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteIf(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
