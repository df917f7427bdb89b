using RelayWarden.Mail.Addresses;

namespace RelayWarden.Core.Directory;

/// <summary>An SMTP-AUTH login of a tenant.</summary>
public sealed class TenantUser
{
    public TenantUser(string login, IReadOnlyList<Mailbox>? addresses, string? passwordHash = null)
    {
        Login = login;
        Addresses = addresses;
        PasswordHash = passwordHash;
    }

    /// <summary>The SASL login name (compared without regard to case).</summary>
    public string Login { get; }

    /// <summary>Envelope senders this login may use; null means any address of its tenant.</summary>
    public IReadOnlyList<Mailbox>? Addresses { get; }

    /// <summary>The password hash for the standalone relay's AUTH (PHC-style string), if any.</summary>
    public string? PasswordHash { get; }

    /// <summary>The tenant the login belongs to (set when the directory is built).</summary>
    public Tenant Tenant { get; internal set; } = null!;

    /// <summary>True when <paramref name="mailbox"/> is one of the login's own addresses (or the login has no list).</summary>
    public bool MayUse(Mailbox mailbox)
    {
        if (Addresses is null)
        {
            return true;
        }

        foreach (var address in Addresses)
        {
            if (address.Equals(mailbox))
            {
                return true;
            }
        }

        return false;
    }
}
