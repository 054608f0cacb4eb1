using System.Security.Claims;
using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Web.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace AsiOpsPortal.Web.Infrastructure;

public static class AuthenticationExtensions
{
    /// <summary>Picks the API token handler for bearer requests and the Identity cookie for everything else.</summary>
    public const string PortalScheme = "Portal";

    public static void AddPortalAuthentication(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddIdentity<PortalUser, IdentityRole>(options =>
            {
                options.User.RequireUniqueEmail = false;
                options.Lockout.MaxFailedAccessAttempts = 10;
            })
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddDefaultTokenProviders();

        var authentication = services.AddAuthentication(options =>
            {
                // AddIdentity set these to its cookie; bearer requests must reach the token handler too.
                options.DefaultScheme = PortalScheme;
                options.DefaultAuthenticateScheme = PortalScheme;
                options.DefaultChallengeScheme = PortalScheme;
                options.DefaultForbidScheme = PortalScheme;
            })
            .AddPolicyScheme(PortalScheme, "Cookie or API token", options =>
                options.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                        ? ApiTokenAuthenticationHandler.SchemeName
                        : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);

        services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = "/account/login";
            options.AccessDeniedPath = "/account/access-denied";
            options.Cookie.Name = "asiops";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.SlidingExpiration = true;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            // The API answers with status codes, never with a redirect to a login page.
            options.Events.OnRedirectToLogin = context => ApiAwareRedirect(context, StatusCodes.Status401Unauthorized);
            options.Events.OnRedirectToAccessDenied = context => ApiAwareRedirect(context, StatusCodes.Status403Forbidden);
        });

        AddOpenIdConnectWhenConfigured(builder, authentication);

        services.AddAuthorization(options => options.AddPortalPolicies());
    }

    private static Task ApiAwareRedirect(RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
            context.Response.StatusCode = status;
        else
            context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Single sign-on when Authentication:Oidc:Authority is set. Roles come from a configurable claim; anyone the
    /// provider vouches for but who holds none of ours gets Viewer.
    /// </summary>
    private static void AddOpenIdConnectWhenConfigured(WebApplicationBuilder builder, AuthenticationBuilder authentication)
    {
        var section = builder.Configuration.GetSection("Authentication:Oidc");
        if (string.IsNullOrWhiteSpace(section["Authority"])) return;
        var roleClaim = section["RoleClaim"] ?? "roles";
        authentication.AddOpenIdConnect(OpenIdConnectDefaults.AuthenticationScheme, "Single sign-on", options =>
        {
            section.Bind(options);
            options.SignInScheme = IdentityConstants.ApplicationScheme;
            options.ResponseType = "code";
            options.SaveTokens = false;
            options.Scope.Add("profile");
            options.BackchannelTimeout = TimeSpan.FromSeconds(10);
            options.TokenValidationParameters.RoleClaimType = ClaimTypes.Role;
            options.TokenValidationParameters.NameClaimType = "preferred_username";
            options.Events.OnTokenValidated = context =>
            {
                if (context.Principal?.Identity is not ClaimsIdentity identity) return Task.CompletedTask;
                var granted = identity.FindAll(roleClaim).Select(c => c.Value)
                    .Where(v => Roles.All.Contains(v, StringComparer.OrdinalIgnoreCase)).ToList();
                if (granted.Count == 0) granted.Add(Roles.Viewer);
                foreach (var role in granted)
                    identity.AddClaim(new Claim(ClaimTypes.Role, Roles.All.First(r => r.Equals(role, StringComparison.OrdinalIgnoreCase))));
                return Task.CompletedTask;
            };
        });
    }

    public static bool OidcEnabled(this IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["Authentication:Oidc:Authority"]);
}
