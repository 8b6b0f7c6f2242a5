using System.Security.Claims;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Tests.Security;

/// <summary>A signed-in person's role is mapped on every request, on a copy: their session is read by many requests at once.</summary>
public sealed class RoleMappingTests
{
    private static RoleClaimsTransformation Transformation() => new(Options.Create(new AuthOptions
    {
        Roles = new() { [DashboardRole.Admin] = ["platform-admins"] },
        DefaultRole = nameof(DashboardRole.Viewer),
    }));

    /// <summary>A session as the identity provider's sign-in left it, with a role claim that came from outside.</summary>
    private static ClaimsPrincipal Session() => DashboardPrincipal.Create("Cookies", "alice", "Alice Admin", "cookie", DashboardRole.Operator,
        [new Claim("groups", "platform-admins")]);

    [Fact]
    public async Task The_role_is_mapped_on_a_copy_and_the_session_is_left_as_it_was()
    {
        var session = Session();
        var before = session.Claims.Select(c => (c.Type, c.Value)).ToList();

        var mapped = await Transformation().TransformAsync(session);

        Assert.Equal(DashboardRole.Admin, DashboardPrincipal.RoleOf(mapped));
        Assert.Single(mapped.FindAll(DashboardPrincipal.RoleClaim));
        Assert.NotSame(session.Identity, mapped.Identity);
        Assert.Equal(before, session.Claims.Select(c => (c.Type, c.Value)));
    }

    [Fact]
    public async Task Requests_of_one_session_at_once_each_get_the_role_and_none_fails()
    {
        var session = Session();
        var transformation = Transformation();

        // A page, its scripts and its circuit: the same session, the same moment.
        var mapped = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => transformation.TransformAsync(session))));

        Assert.All(mapped, principal => Assert.Equal(DashboardRole.Admin, DashboardPrincipal.RoleOf(principal)));
        Assert.Equal(DashboardRole.Operator, DashboardPrincipal.RoleOf(session));
    }
}
