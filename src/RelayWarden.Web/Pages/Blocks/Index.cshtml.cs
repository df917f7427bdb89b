using Microsoft.AspNetCore.Mvc;
using RelayWarden.Hosting.Control;
using RelayWarden.Web.Admin;

namespace RelayWarden.Web.Pages.Blocks;

/// <summary><c>/blocklist</c>: the configuration's and the stored entries; admins add (with expiry and reason) and remove stored ones.</summary>
public sealed class BlocklistModel : AdminPageModel
{
    public BlocklistModel(ConsoleContext console)
        : base(console)
    {
    }

    internal IReadOnlyList<BlockView> Entries { get; private set; } = [];

    protected override void Load() => Entries = BlocklistService.List(Console);

    public IActionResult OnPostAdd(string? kind, string? value, string? expires, string? reason) =>
        Act(() => BlocklistService.Add(Console, kind, value, expires, reason, Who), b => $"Blocked {b.Kind} {b.Value}.");

    public IActionResult OnPostRemove(string? kind, string? value, string? reason) =>
        Act(() => BlocklistService.Remove(Console, kind, value, reason, Who), b => $"Removed {b.Kind} {b.Value}.");
}
