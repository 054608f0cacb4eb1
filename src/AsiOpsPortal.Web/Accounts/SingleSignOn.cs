using System.Security.Claims;
using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Accounts;

/// <summary>The Authentication:Oidc settings the portal reads itself; the section also binds onto OpenIdConnectOptions.</summary>
public sealed class SingleSignOnOptions
{
    public const string Section = "Authentication:Oidc";

    /// <summary>The id_token claim whose values name portal roles (Viewer, Developer, SRE, Admin, in any case).</summary>
    public string RoleClaim { get; set; } = "roles";
}

/// <summary>
/// Completes a single sign-on once the provider has vouched for someone (its word is in the external cookie): finds the
/// local user by provider and subject or creates one, gives them the role the provider's role claim grants, and signs
/// them in with the portal's own cookie. Every attempt is audited as a password sign-in is.
/// </summary>
public sealed class SingleSignOn(
    SignInManager<PortalUser> signIn,
    RoleManager<IdentityRole> roleManager,
    AuditLog audit,
    TimeProvider time,
    IOptions<SingleSignOnOptions> options)
{
    /// <summary>Signs the person in and returns null, or returns the <see cref="LoginErrors"/> code the login page explains.</summary>
    public async Task<string?> CompleteAsync(CancellationToken ct)
    {
        var http = signIn.Context;
        var info = await signIn.GetExternalLoginInfoAsync();
        // The provider's word has served its purpose whatever happens next; it must not linger for another attempt.
        await http.SignOutAsync(IdentityConstants.ExternalScheme);
        var ip = $"ip={http.Connection.RemoteIpAddress}";
        if (info is null)
        {
            await FailedAsync("anonymous", $"{ip}; via={OpenIdConnectDefaults.AuthenticationScheme}; reason=no external sign-in (it expired, or the callback was opened directly)", ct);
            return LoginErrors.SingleSignOnFailed;
        }

        var via = $"{ip}; via={info.LoginProvider}; subject={info.ProviderKey}";
        var users = signIn.UserManager;
        try
        {
            var user = await users.FindByLoginAsync(info.LoginProvider, info.ProviderKey) ?? await CreateUserAsync(info, via, ct);
            // Locked out is how the Users page shows a disabled account; the provider's word does not override it.
            if (user.LockoutEnd is { } end && end > time.GetUtcNow())
            {
                await FailedAsync(user.UserName!, $"{via}; locked-out", ct);
                return LoginErrors.SingleSignOnLocked;
            }
            await SyncRoleAsync(user, info.Principal, via, ct);
            await signIn.SignInAsync(user, isPersistent: false, authenticationMethod: info.LoginProvider);
            await audit.RecordAsync(user.UserName!, AuditActions.Login, "portal", via, succeeded: true, ct);
            return null;
        }
        catch (ValidationFailedException e)
        {
            await FailedAsync(Claim(info.Principal, "preferred_username") ?? "anonymous", $"{via}; reason={e.Message}", ct);
            return LoginErrors.SingleSignOnFailed;
        }
    }

    /// <summary>A new local user named after the person's claims, never an existing local account under the same name.</summary>
    private async Task<PortalUser> CreateUserAsync(ExternalLoginInfo info, string via, CancellationToken ct)
    {
        var users = signIn.UserManager;
        var firstChoice = ExternalUserName.FirstChoice(Claim(info.Principal, "preferred_username"), Claim(info.Principal, "email"),
            info.ProviderKey, users.Options.User.AllowedUserNameCharacters);
        string? name = null;
        foreach (var candidate in ExternalUserName.Candidates(firstChoice))
        {
            if (await users.FindByNameAsync(candidate) is not null) continue;
            name = candidate;
            break;
        }
        if (name is null)
            throw new ValidationFailedException([$"Every user name from '{firstChoice}' to '{firstChoice}-{ExternalUserName.MaxVariants}' is taken."]);

        var user = new PortalUser { UserName = name, DisplayName = Claim(info.Principal, "name") ?? name };
        UserAdminService.Check(await users.CreateAsync(user));
        var linked = await users.AddLoginAsync(user, info);
        if (!linked.Succeeded)
        {
            // A user nobody can sign in as would only take the name from the next attempt.
            await users.DeleteAsync(user);
            UserAdminService.Check(linked);
        }
        var renamed = name == firstChoice ? "" : $"; '{firstChoice}' belongs to another user";
        await audit.RecordAsync(name, AuditActions.UserCreated, $"user/{name}", $"{via}{renamed}", succeeded: true, ct);
        return user;
    }

    /// <summary>The provider is the source of truth for roles: its claim decides on every sign-in, also to take a role away.</summary>
    private async Task SyncRoleAsync(PortalUser user, ClaimsPrincipal external, string via, CancellationToken ct)
    {
        var users = signIn.UserManager;
        var granted = Roles.GrantedBy(external.FindAll(options.Value.RoleClaim).Select(c => c.Value));
        var current = await users.GetRolesAsync(user);
        if (current.Count == 1 && current[0] == granted) return;
        await UserAdminService.EnsureRolesExistAsync(roleManager);
        await UserAdminService.ReplaceRoleAsync(users, user, granted);
        await audit.RecordAsync(user.UserName!, AuditActions.RoleChanged, $"user/{user.UserName}",
            $"role={granted}; was={(current.Count == 0 ? "none" : string.Join(",", current))}; {via}; claim={options.Value.RoleClaim}", succeeded: true, ct);
    }

    private Task FailedAsync(string actor, string details, CancellationToken ct) =>
        audit.RecordAsync(actor, AuditActions.LoginFailed, "portal", details, succeeded: false, ct);

    private static string? Claim(ClaimsPrincipal principal, string type) =>
        principal.FindFirst(type)?.Value is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
