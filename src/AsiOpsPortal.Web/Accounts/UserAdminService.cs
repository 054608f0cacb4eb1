using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Accounts;

public sealed record UserView(string Name, string DisplayName, string Role, bool LockedOut);

/// <summary>Users and their single role, for Admins.</summary>
public sealed class UserAdminService(IServiceScopeFactory scopes, AuditLog audit)
{
    public async Task<IReadOnlyList<UserView>> ListAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var result = new List<UserView>();
        foreach (var user in await users.Users.OrderBy(u => u.UserName).ToListAsync(ct))
        {
            var roles = await users.GetRolesAsync(user);
            var role = Roles.All.LastOrDefault(r => roles.Contains(r)) ?? "(none)";
            result.Add(new UserView(user.UserName!, user.DisplayName, role, user.LockoutEnd > DateTimeOffset.UtcNow));
        }
        return result;
    }

    /// <summary>Creates the user if needed and gives them exactly <paramref name="role"/>.</summary>
    public async Task EnsureUserAsync(string name, string displayName, string password, string role)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        await EnsureRolesExistAsync(scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>());
        var user = await users.FindByNameAsync(name);
        if (user is null)
        {
            user = new PortalUser { UserName = name, DisplayName = displayName };
            Check(await users.CreateAsync(user, password));
        }
        await ReplaceRoleAsync(users, user, role);
    }

    public async Task SetRoleAsync(string name, string role, Actor actor)
    {
        if (!Roles.All.Contains(role)) throw new ValidationFailedException([$"Role must be one of: {string.Join(", ", Roles.All)}."]);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByNameAsync(name) ?? throw new NotFoundException($"No user named '{name}'.");
        if (string.Equals(name, actor.Name, StringComparison.OrdinalIgnoreCase) && role != Roles.Admin)
            throw new ConflictException("You cannot take the Admin role from yourself; ask another Admin.");
        await ReplaceRoleAsync(users, user, role);
        await audit.RecordAsync(actor.Name, AuditActions.RoleChanged, $"user/{name}", $"role={role}");
    }

    /// <summary>
    /// Locks a user out until an Admin unlocks them, or unlocks them: the only lockout there is, since failed sign-ins only
    /// throttle. A lock ends their sessions (new security stamp) and their API tokens stop working.
    /// </summary>
    public async Task SetLockedAsync(string name, bool locked, Actor actor)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByNameAsync(name) ?? throw new NotFoundException($"No user named '{name}'.");
        if (locked && string.Equals(name, actor.Name, StringComparison.OrdinalIgnoreCase))
            throw new ConflictException("You cannot lock yourself out; ask another Admin.");
        Check(await users.SetLockoutEnabledAsync(user, true));
        Check(await users.SetLockoutEndDateAsync(user, locked ? DateTimeOffset.MaxValue : null));
        Check(await users.UpdateSecurityStampAsync(user));
        await audit.RecordAsync(actor.Name, locked ? AuditActions.UserLocked : AuditActions.UserUnlocked, $"user/{name}");
    }

    /// <summary>Creates the four roles where they are missing: a deployment without the demo starts with none.</summary>
    internal static async Task EnsureRolesExistAsync(RoleManager<IdentityRole> roleManager)
    {
        foreach (var r in Roles.All)
            if (!await roleManager.RoleExistsAsync(r)) Check(await roleManager.CreateAsync(new IdentityRole(r)));
    }

    /// <summary>Gives <paramref name="user"/> exactly <paramref name="role"/>, which must exist.</summary>
    internal static async Task ReplaceRoleAsync(UserManager<PortalUser> users, PortalUser user, string role)
    {
        var current = await users.GetRolesAsync(user);
        if (current.Count == 1 && current[0] == role) return;
        if (current.Count > 0) Check(await users.RemoveFromRolesAsync(user, current));
        Check(await users.AddToRoleAsync(user, role));
        // Roles travel in the sign-in cookie; a new stamp makes the old cookie re-validate.
        Check(await users.UpdateSecurityStampAsync(user));
    }

    internal static void Check(IdentityResult result)
    {
        if (!result.Succeeded) throw new ValidationFailedException(result.Errors.Select(e => e.Description).ToList());
    }
}
