using System.Net;
using System.Net.Http.Json;
using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Tests.Shared.Hosting;
using AsiOpsPortal.Web.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.IntegrationTests.Accounts;

/// <summary>A role taken away reaches a signed-in session within the revalidation interval, not when the session ends.</summary>
public sealed class SessionRevalidationTests : IAsyncLifetime
{
    private PortalFactory _portal = null!;

    public async Task InitializeAsync() => _portal = await PortalFactory.CreateAsync("integrationsessionrevalidation",
        new Dictionary<string, string> { ["Portal:SessionRevalidationInterval"] = "00:00:01" });

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task SignedInSre_LosesSreAccess_SoonAfterAnAdminMakesThemAViewer()
    {
        var carol = await _portal.SignedInBrowserAsync("carol");
        using (var before = await carol.GetAsync("/api/v1/audit"))
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        var principal = await PrincipalOfAsync("carol");

        using (var demoted = await _portal.ApiClient("admin").PutAsJsonAsync("/api/v1/users/carol/role", new { role = Roles.Viewer }))
            Assert.Equal(HttpStatusCode.NoContent, demoted.StatusCode);

        await Eventually.UntilAsync(async () =>
        {
            using var after = await carol.GetAsync("/api/v1/audit");
            return after.StatusCode;
        }, status => status is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized, "carol's session to lose SRE access", TimeSpan.FromSeconds(10));
        // An open page checks the sign-in it connected with the same way.
        await using var scope = _portal.Services.CreateAsyncScope();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<PortalUser>>();
        Assert.False(await SessionRevalidation.IsCurrentAsync(signIn, principal));
        Assert.True(await SessionRevalidation.IsCurrentAsync(signIn, await PrincipalOfAsync("carol")));
    }

    /// <summary>The principal a sign-in of <paramref name="user"/> carries now.</summary>
    private async Task<System.Security.Claims.ClaimsPrincipal> PrincipalOfAsync(string user)
    {
        await using var scope = _portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var factory = scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<PortalUser>>();
        return await factory.CreateAsync((await users.FindByNameAsync(user))!);
    }
}
