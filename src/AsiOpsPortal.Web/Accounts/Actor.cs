using System.Net;
using System.Security.Claims;
using AsiOpsPortal.Core.Accounts;
using Microsoft.AspNetCore.Components.Authorization;

namespace AsiOpsPortal.Web.Accounts;

/// <summary>
/// Who acts: the signed-in user's name (what the audit stores), the highest role they hold, and the address they act from
/// when it is known. Taken once from the request (an endpoint names it as a parameter) or from the page's signed-in user.
/// </summary>
public sealed record Actor(string Name, string Role, string? Address = null)
{
    public static Actor Of(ClaimsPrincipal user, IPAddress? address = null) => new(user.ActorName(), user.HighestRole(), address?.ToString());

    /// <summary>The portal acting on its own behalf (a seeder, the rollout): the audit shows <paramref name="name"/>; no person is behind it.</summary>
    public static Actor System(string name) => new(name, Roles.Admin);

    /// <summary>The rollout advancing a change wave by wave, and the gates it runs on the way.</summary>
    public static readonly Actor Rollout = System("rollout");

    /// <summary>Binds an endpoint's <see cref="Actor"/> parameter from the authenticated request (its remote address as the proxies vouch for it).</summary>
    public static ValueTask<Actor?> BindAsync(HttpContext http) => ValueTask.FromResult<Actor?>(Of(http.User, http.Connection.RemoteIpAddress));
}

public static class ActorExtensions
{
    /// <summary>The page's signed-in user as an <see cref="Actor"/>; a circuit does not know the address, so it has none.</summary>
    public static async Task<Actor> ActorAsync(this Task<AuthenticationState> state) => Actor.Of((await state).User);
}
