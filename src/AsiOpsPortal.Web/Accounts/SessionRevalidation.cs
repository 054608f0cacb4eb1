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
/// that time instead of when the session ends. Role changes renew the user's security stamp, which the sign-in carries.
/// </summary>
public sealed class SessionRevalidation(ILoggerFactory loggers, IServiceScopeFactory scopes, IOptions<PortalOptions> portal)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => portal.Value.SessionRevalidationInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await IsCurrentAsync(scope.ServiceProvider.GetRequiredService<SignInManager<PortalUser>>(), state.User);
    }

    /// <summary>Whether <paramref name="user"/>'s sign-in still stands: the same security stamp (Identity's own check), and no lockout.</summary>
    public static async Task<bool> IsCurrentAsync(SignInManager<PortalUser> signIn, ClaimsPrincipal user) =>
        await signIn.ValidateSecurityStampAsync(user) is { } found && !await signIn.UserManager.IsLockedOutAsync(found);
}
