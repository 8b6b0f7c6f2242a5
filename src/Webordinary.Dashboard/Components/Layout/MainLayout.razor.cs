using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.JSInterop;
using MudBlazor;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Components.Layout;

public sealed partial class MainLayout : IDisposable
{
    /// <summary>
    /// Every colour a text or a chip's label is drawn in reaches WCAG AA (4.5:1) on its background: in the light theme
    /// the status colours are dark fills under white text, in the dark theme light fills under dark text (they are
    /// text colours on the dark surface too, where light ones read).
    /// </summary>
    private readonly MudTheme _theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3f51b5",
            Secondary = "#c2185b",
            Success = "#2e7d32",
            Warning = "#a15c00",
            Error = "#c62828",
            Info = "#0277bd",
            Dark = "#424242",
            AppbarBackground = "#263238",
            TextSecondary = "rgba(0,0,0,0.64)",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#9fa8da",
            PrimaryContrastText = "#000000",
            Secondary = "#f48fb1",
            SecondaryContrastText = "#000000",
            Success = "#81c784",
            SuccessContrastText = "#000000",
            Warning = "#ffb74d",
            WarningContrastText = "#000000",
            Error = "#ef9a9a",
            ErrorContrastText = "#000000",
            Info = "#90caf9",
            InfoContrastText = "#000000",
            TextSecondary = "rgba(255,255,255,0.72)",
        },
    };

    private static readonly NavItem[] AllNavItems =
    [
        new("/", "Overview", Icons.Material.Filled.Dashboard),
        new("/incidents", "Incidents", Icons.Material.Filled.ReportProblem),
        new("/services", "Services", Icons.Material.Filled.Dns),
        new("/notifications", "Notifications", Icons.Material.Filled.Notifications),
        new("/audit", "Audit", Icons.Material.Filled.History),
        new("/keys", "API keys", Icons.Material.Filled.Key),
        new("/sandbox", "Sandbox", Icons.Material.Filled.Science, SandboxOnly: true),
    ];

    private const string SkipTarget = "#main-content";

    private bool _isDarkMode;
    private bool _menuOpen;

    /// <summary>The theme the prerendered HTML had (from the request, see <see cref="ThemeChoice"/>), kept for the circuit.</summary>
    [PersistentState]
    public bool? PrerenderedDark { get; set; }

    [Inject]
    public required IConfiguration Configuration { get; init; }

    [Inject]
    public required Controls.CurrentUser User { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required IHttpContextAccessor HttpContextAccessor { get; init; }

    [Inject]
    public required IJSRuntime JS { get; init; }

    private AuthMode _mode;
    private Probes.Audit.Actor? _actor;
    private DashboardRole? _role;

    protected override async Task OnInitializedAsync()
    {
        // Prerendering has the request (its cookie or client hint); the circuit has what the prerender decided.
        if (PrerenderedDark is null && !RendererInfo.IsInteractive && HttpContextAccessor.HttpContext is { } http)
        {
            PrerenderedDark = ThemeChoice.IsDark(http.Request);
        }

        _isDarkMode = PrerenderedDark ?? false;
        Navigation.LocationChanged += OnLocationChanged;
        _mode = AuthenticationSetup.ModeOf(Configuration);
        var user = await User.GetAsync();
        _actor = DashboardPrincipal.ActorOf(user);
        _role = DashboardPrincipal.RoleOf(user);
    }

    private bool IsSandbox => DashboardHostingExtensions.IsSandbox(Configuration);

    private IEnumerable<NavItem> NavItems => AllNavItems.Where(i => !i.SandboxOnly || IsSandbox);

    /// <summary>"page" on the link to the page being shown (the overview only for "/" itself), for assistive technology.</summary>
    private string? AriaCurrent(string href)
    {
        var path = "/" + Navigation.ToBaseRelativePath(Navigation.Uri).Split('?', '#')[0];
        var current = href == "/" ? path == "/" : path == href || path.StartsWith(href + "/", StringComparison.OrdinalIgnoreCase);
        return current ? "page" : null;
    }

    private void OnLocationChanged(object? sender, LocationChangedEventArgs e) => _ = InvokeAsync(() =>
    {
        _menuOpen = false;
        StateHasChanged();
    });

    /// <summary>Switches the theme and remembers the choice in a cookie, which the next page's prerender reads.</summary>
    private async Task ToggleThemeAsync()
    {
        _isDarkMode = !_isDarkMode;
        await JS.InvokeVoidAsync("dashboardPage.rememberTheme", _isDarkMode ? ThemeChoice.Dark : ThemeChoice.Light);
    }

    public void Dispose() => Navigation.LocationChanged -= OnLocationChanged;

    private sealed record NavItem(string Href, string Text, string Icon, bool SandboxOnly = false);
}
