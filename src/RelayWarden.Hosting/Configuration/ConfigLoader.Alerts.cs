using RelayWarden.Mail.Addresses;
using YamlDotNet.RepresentationModel;

namespace RelayWarden.Hosting.Configuration;

/// <summary>The <c>alerts:</c> section: webhook and email channels for monitor alerts.</summary>
public static partial class ConfigLoader
{
    private static AlertOptions ReadAlerts(YamlNodes nodes, YamlNode? node)
    {
        if (nodes.Mapping(node, "alerts") is not { } map)
        {
            return new AlertOptions();
        }

        nodes.CheckKeys(map, "alerts", "webhook", "email");
        WebhookOptions? webhook = null;
        if (nodes.Mapping(YamlNodes.Get(map, "webhook"), "alerts.webhook") is { } hook)
        {
            nodes.CheckKeys(hook, "alerts.webhook", "url", "timeout", "max_attempts", "retry_initial");
            string? url = nodes.String(YamlNodes.Get(hook, "url"), "alerts.webhook.url");
            if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                nodes.Error("alerts.webhook.url", $"'{url}' is not an http(s) URL", YamlNodes.Get(hook, "url") ?? hook);
            }
            else
            {
                var defaults = new WebhookOptions { Url = uri };
                webhook = defaults with
                {
                    Timeout = Duration(nodes, YamlNodes.Get(hook, "timeout"), "alerts.webhook.timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)) ?? defaults.Timeout,
                    MaxAttempts = (int)(nodes.Integer(YamlNodes.Get(hook, "max_attempts"), "alerts.webhook.max_attempts", 1, 100) ?? defaults.MaxAttempts),
                    RetryInitial = Duration(nodes, YamlNodes.Get(hook, "retry_initial"), "alerts.webhook.retry_initial", TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1)) ?? defaults.RetryInitial,
                };
            }
        }

        AlertEmailOptions? email = null;
        if (nodes.Mapping(YamlNodes.Get(map, "email"), "alerts.email") is { } mail)
        {
            nodes.CheckKeys(mail, "alerts.email", "to", "from");
            var to = new List<string>();
            foreach (var (value, item) in nodes.Strings(YamlNodes.Get(mail, "to"), "alerts.email.to"))
            {
                if (Mailbox.TryParse(value, out var mailbox, out var error))
                {
                    to.Add(mailbox.Address);
                }
                else
                {
                    nodes.Error("alerts.email.to", $"'{value}' is not a valid address ({error})", item);
                }
            }

            string? from = nodes.String(YamlNodes.Get(mail, "from"), "alerts.email.from");
            if (from is not null)
            {
                if (Mailbox.TryParse(from, out var sender, out var error))
                {
                    from = sender.Address;
                }
                else
                {
                    nodes.Error("alerts.email.from", $"'{from}' is not a valid address ({error})", YamlNodes.Get(mail, "from"));
                }
            }

            if (to.Count == 0)
            {
                nodes.Error("alerts.email.to", "give at least one operator address", mail);
            }
            else
            {
                email = new AlertEmailOptions { To = to, From = from };
            }
        }

        return new AlertOptions { Webhook = webhook, Email = email };
    }
}
