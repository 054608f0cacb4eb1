using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Defender.Admission;

/// <summary>
/// Hears a webhook call only from the cluster named in its path: the API server must present that cluster's admission token
/// (<see cref="DefenderClusterKeys"/>) as a bearer token. Anything else is 401, which the API server counts as a failed call,
/// so under failurePolicy Fail the request it was asking about is refused. Tokens are never logged.
/// </summary>
public sealed class ClusterTokenAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    DefenderClusterKeys keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "DefenderClusterToken";
    /// <summary>The admission route's policy: a caller authenticated as the cluster in the path.</summary>
    public const string Policy = "DefenderCluster";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.Fail("no bearer token; the API server must present the cluster's admission token.");
        var cluster = await keys.FindAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (cluster is null || cluster.Name != Context.GetRouteValue("cluster") as string)
            return AuthenticateResult.Fail("the token is not this cluster's admission token.");
        Context.Features.Set(cluster);
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, cluster.Name)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message ?? "not authenticated.";
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        await Response.WriteAsJsonAsync(new WebhookProblem($"Unauthorized: {failure}"), Context.RequestAborted);
    }
}
