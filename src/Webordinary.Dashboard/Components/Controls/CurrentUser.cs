using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Components.Controls;

/// <summary>The person (or local user) of this page's circuit, and what their role does not allow.</summary>
public sealed class CurrentUser(AuthenticationStateProvider authentication)
{
    public async Task<ClaimsPrincipal> GetAsync() => (await authentication.GetAuthenticationStateAsync()).User;

    /// <summary>Null when the user may act as <paramref name="role"/>, else why not, to show on the disabled control ("Operators only").</summary>
    public async Task<string?> DenialAsync(DashboardRole role) => DashboardPrincipal.Denial(await GetAsync(), role);
}
