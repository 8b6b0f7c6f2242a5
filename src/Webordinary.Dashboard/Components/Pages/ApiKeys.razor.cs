using Microsoft.AspNetCore.Components;
using MudBlazor;
using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Components.Pages;

/// <summary>API keys: made (shown once), listed with their last use, revoked. Admins only.</summary>
public sealed partial class ApiKeys
{
    private IReadOnlyList<ApiKeyInfo> _keys = [];
    private string? _denied;
    private string? _name;
    private DashboardRole _role = DashboardRole.Viewer;
    private ApiKeyInfo? _created;
    private string? _secret;

    [Inject]
    public required ApiKeyStore Keys { get; init; }

    [Inject]
    public required ApiKeyActions Actions { get; init; }

    [Inject]
    public required CurrentUser User { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    protected override async Task OnInitializedAsync()
    {
        _denied = await User.DenialAsync(ApiKeyActions.KeyRole);
        _keys = _denied is null ? Keys.List() : [];
    }

    private async Task CreateAsync()
    {
        var outcome = await Actions.CreateAsync(await User.GetAsync(), _name?.Trim() ?? "", _role, CancellationToken.None);
        if ((outcome.Denied ?? outcome.Invalid) is { } refused)
        {
            Snackbar.Add(refused, Severity.Error);
            return;
        }

        (_created, _secret) = outcome.Value;
        _name = null;
        _keys = Keys.List();
    }

    private async Task RevokeAsync(string name)
    {
        var outcome = await Actions.RevokeAsync(await User.GetAsync(), name, CancellationToken.None);
        Snackbar.Add(outcome.Denied ?? (outcome.Value ? $"Key {name} revoked." : $"No active key {name}."), outcome.Value ? Severity.Info : Severity.Error);
        _keys = Keys.List();
    }
}
