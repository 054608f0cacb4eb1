using System.Security.Claims;
using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Accounts;

/// <summary>
/// An open page keeps the sign-in it connected with; this checks it again every
/// <see cref="PortalOptions.SessionRevalidationInterval"/>, so a role taken away or a lockout reaches open pages within
/// that time instead of when the session ends. Role changes and lockouts renew the user's security stamp, which the
/// sign-in carries.
/// </summary>
public sealed class SessionRevalidation(
    ILoggerFactory loggers, IServiceScopeFactory scopes, IOptions<IdentityOptions> identity, IOptions<PortalOptions> portal)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => portal.Value.SessionRevalidationInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await IsCurrentAsync(scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>(), identity.Value, state.User);
    }

    /// <summary>Whether <paramref name="user"/>'s sign-in still stands: the user exists, is not locked out, and has the same security stamp.</summary>
    public static async Task<bool> IsCurrentAsync(UserManager<PortalUser> users, IdentityOptions identity, ClaimsPrincipal user)
    {
        if (await users.GetUserAsync(user) is not { } found || await users.IsLockedOutAsync(found)) return false;
        if (!users.SupportsUserSecurityStamp) return true;
        return user.FindFirstValue(identity.ClaimsIdentity.SecurityStampClaimType) == await users.GetSecurityStampAsync(found);
    }
}
