namespace RelayWarden.Core.Directory;

/// <summary>The commercial state of a tenant.</summary>
public enum TenantKind
{
    /// <summary>A paying customer.</summary>
    Paid,
    /// <summary>A trial sign-up: no outbound relay unless a partner opened the account; never an external From.</summary>
    Trial,
}

/// <summary>Who opened the tenant's account.</summary>
public enum TenantCreator
{
    /// <summary>The customer signed up alone.</summary>
    Self,
    /// <summary>A reseller or partner opened it (and vouches for it).</summary>
    Partner,
}

/// <summary>Whether the tenant may send at all.</summary>
public enum TenantStatus
{
    Active,
    /// <summary>Every submission is refused until a person lifts the suspension.</summary>
    Suspended,
}
