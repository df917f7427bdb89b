using Microsoft.AspNetCore.Mvc;
using RelayWarden.Hosting.Control;
using RelayWarden.Web.Admin;

namespace RelayWarden.Web.Pages.Operators;

/// <summary><c>/operators</c>: console operators; admins add, change role, disable or enable, and reset passwords.</summary>
public sealed class OperatorsModel : AdminPageModel
{
    public OperatorsModel(ConsoleContext console)
        : base(console)
    {
    }

    internal IReadOnlyList<OperatorView> Operators { get; private set; } = [];

    protected override void Load() => Operators = OperatorService.List(Console);

    public IActionResult OnPostAdd(string? name, string? role, string? password) =>
        Act(() => OperatorService.Add(Console, name, role, password, Who), o => $"Operator {o.Name} ({o.Role}) added.");

    public IActionResult OnPostRole(string? name, string? role) =>
        Act(() => OperatorService.Change(Console, name ?? string.Empty, role, null, null, null, Who), o => $"{o.Name} is now {o.Role}.");

    public IActionResult OnPostDisable(string? name, bool disabled) =>
        Act(() => OperatorService.Change(Console, name ?? string.Empty, null, disabled, null, null, Who), o => $"{o.Name} {(o.Disabled ? "disabled" : "enabled")}.");

    public IActionResult OnPostPassword(string? name, string? password) =>
        Act(() => OperatorService.Change(Console, name ?? string.Empty, null, null, password ?? string.Empty, "password reset", Who), o => $"Password of {o.Name} reset.");
}
