using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Accounts;

/// <summary>Authenticates `Authorization: Bearer asi_…` with a personal API token, as its owner with the owner's roles.</summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenService tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();
        var principal = await tokens.AuthenticateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        return principal is null
            ? AuthenticateResult.Fail("The API token is unknown, revoked or expired.")
            : AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}

internal static class PrincipalExtensions
{
    public static string ActorName(this ClaimsPrincipal user) => user.Identity?.Name ?? "anonymous";

    /// <summary>The highest of the portal's roles the user holds; Viewer when none.</summary>
    public static string HighestRole(this ClaimsPrincipal user) =>
        AsiOpsPortal.Core.Accounts.Roles.All.LastOrDefault(user.IsInRole) ?? AsiOpsPortal.Core.Accounts.Roles.Viewer;
}
