using Microsoft.AspNetCore.Components;
using MudBlazor;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Components.Layout;

public sealed partial class MainLayout
{
    private readonly MudTheme _theme = new()
    {
        PaletteLight = new PaletteLight { Primary = "#3f51b5", AppbarBackground = "#263238" },
        PaletteDark = new PaletteDark { Primary = "#7986cb" },
    };

    private MudThemeProvider? _themeProvider;
    private bool _isDarkMode;

    [Inject]
    public required IConfiguration Configuration { get; init; }

    [Inject]
    public required Controls.CurrentUser User { get; init; }

    private AuthMode _mode;
    private Probes.Audit.Actor? _actor;
    private DashboardRole? _role;

    protected override async Task OnInitializedAsync()
    {
        _mode = AuthenticationSetup.ModeOf(Configuration);
        var user = await User.GetAsync();
        _actor = DashboardPrincipal.ActorOf(user);
        _role = DashboardPrincipal.RoleOf(user);
    }

    private bool IsSandbox => DashboardHostingExtensions.IsSandbox(Configuration);

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && _themeProvider is not null)
        {
            // Follow the operating system's choice until the user toggles.
            _isDarkMode = await _themeProvider.GetSystemDarkModeAsync();
            StateHasChanged();
        }
    }

    private void ToggleTheme() => _isDarkMode = !_isDarkMode;
}
