using System.Security.Claims;
using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Web.Accounts.Pages;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace AsiOpsPortal.Web.Accounts;

public sealed record CreateTokenRequest(string Name, int? ExpiresInDays);

public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account");

        account.MapPost("/login", async ([FromForm] string? username, [FromForm] string? password, [FromForm] string? returnUrl,
                SignInManager<PortalUser> signIn, LoginThrottle throttle, AuditLog audit, HttpContext http) =>
            {
                var safeReturn = ReturnUrl.LocalOrHome(returnUrl);
                username = username?.Trim() ?? "";
                var actor = username.Length == 0 ? "anonymous" : username;
                var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

                if (throttle.RetryAfter(address, username) is { } wait)
                {
                    var seconds = (int)Math.Ceiling(wait.TotalSeconds);
                    await audit.RecordAsync(actor, AuditActions.LoginThrottled, "portal", $"ip={address} retry-after={seconds}s", false, http.RequestAborted);
                    http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    // A person at the form reads it on the login page; a script gets the status code it can act on.
                    return AcceptsHtml(http.Request)
                        ? Results.Redirect(LoginErrors.ThrottledPage(seconds, safeReturn))
                        : Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed sign-ins", detail: LoginErrors.ThrottledMessage(seconds));
                }

                var result = string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password)
                    ? Microsoft.AspNetCore.Identity.SignInResult.Failed
                    : await signIn.PasswordSignInAsync(username, password, isPersistent: false, lockoutOnFailure: false);
                if (!result.Succeeded && !result.IsLockedOut) throttle.RecordFailure(address, username);
                await audit.RecordAsync(actor, result.Succeeded ? AuditActions.Login : AuditActions.LoginFailed,
                    "portal", $"ip={address}{(result.IsLockedOut ? " locked-out" : "")}", result.Succeeded, http.RequestAborted);
                if (result.Succeeded) return Results.LocalRedirect(safeReturn);
                return Results.Redirect(LoginErrors.LoginPage(result.IsLockedOut ? LoginErrors.Locked : LoginErrors.Invalid, safeReturn));
            })
            .AllowAnonymous();

        // Off to the provider; its answer comes back to /signin-oidc, then to the callback below.
        account.MapGet("/sso", (string? returnUrl, SignInManager<PortalUser> signIn, IConfiguration configuration) =>
            {
                if (!configuration.OidcEnabled()) return Results.NotFound();
                var safeReturn = ReturnUrl.LocalOrHome(returnUrl);
                var properties = signIn.ConfigureExternalAuthenticationProperties(OpenIdConnectDefaults.AuthenticationScheme,
                    $"/account/external-callback?returnUrl={Uri.EscapeDataString(safeReturn)}");
                properties.Items[SingleSignOnEvents.ReturnUrlItem] = safeReturn;
                return Results.Challenge(properties, [OpenIdConnectDefaults.AuthenticationScheme]);
            })
            .AllowAnonymous();

        account.MapGet("/external-callback", async (string? returnUrl, SingleSignOn sso, HttpContext http) =>
            {
                var safeReturn = ReturnUrl.LocalOrHome(returnUrl);
                var error = await sso.CompleteAsync(http.RequestAborted);
                return error is null
                    ? new RazorComponentResult<ContinueTo>(new { Url = safeReturn })
                    : Results.Redirect(LoginErrors.LoginPage(error, safeReturn));
            })
            .AllowAnonymous();

        account.MapPost("/logout", async (SignInManager<PortalUser> signIn, AuditLog audit, ClaimsPrincipal user, HttpContext http) =>
            {
                await audit.RecordAsync(user.ActorName(), AuditActions.Logout, "portal", ct: http.RequestAborted);
                await signIn.SignOutAsync();
                return Results.LocalRedirect("/account/login");
            })
            .RequireAuthorization(Policies.Viewer);

        var tokens = app.MapGroup("/api/v1/tokens").WithTags("API tokens").RequireAuthorization(Policies.Viewer);
        tokens.MapGet("/", (ApiTokenService service, Actor actor, CancellationToken ct) => service.ListAsync(actor, ct));
        tokens.MapPost("/", async (CreateTokenRequest request, ApiTokenService service, Actor actor, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(actor, request.Name, request.ExpiresInDays, ct);
            return Results.Created($"/api/v1/tokens/{created.View.Id}", new { token = created.Token, created.View.Id, created.View.Name, created.View.Prefix, created.View.ExpiresAt });
        });
        tokens.MapDelete("/{id:guid}", async (Guid id, ApiTokenService service, Actor actor, CancellationToken ct) =>
        {
            await service.RevokeAsync(actor, id, ct);
            return Results.NoContent();
        });

        var users = app.MapGroup("/api/v1/users").WithTags("Users").RequireAuthorization(Policies.Admin);
        users.MapGet("/", (UserAdminService service, CancellationToken ct) => service.ListAsync(ct));
        users.MapPut("/{name}/role", async (string name, SetRoleRequest request, UserAdminService service, Actor actor) =>
        {
            await service.SetRoleAsync(name, request.Role, actor);
            return Results.NoContent();
        });
        // Locking is an Admin's decision, never the side effect of someone else's failed sign-ins.
        users.MapPut("/{name}/lock", async (string name, UserAdminService service, Actor actor) =>
        {
            await service.SetLockedAsync(name, locked: true, actor);
            return Results.NoContent();
        });
        users.MapDelete("/{name}/lock", async (string name, UserAdminService service, Actor actor) =>
        {
            await service.SetLockedAsync(name, locked: false, actor);
            return Results.NoContent();
        });
    }

    private static bool AcceptsHtml(HttpRequest request) =>
        request.Headers.Accept.Any(value => value?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true);
}

public sealed record SetRoleRequest(string Role);
