using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Web.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AsiOpsPortal.Web.Infrastructure;

public static class AuthenticationExtensions
{
    /// <summary>Picks the API token handler for bearer requests and the Identity cookie for everything else.</summary>
    public const string PortalScheme = "Portal";

    public static void AddPortalAuthentication(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Failed sign-ins never lock an account (LoginThrottle slows guessing instead); lockout stays for Admins to set.
        services.AddIdentity<PortalUser, IdentityRole>(options => options.User.RequireUniqueEmail = false)
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

        // The cookie's security stamp is checked against the user this often, so role changes and lockouts take effect.
        services.AddOptions<SecurityStampValidatorOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<PortalOptions>>((stamp, portal) => stamp.ValidationInterval = portal.Value.SessionRevalidationInterval);
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, SessionRevalidation>();

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
    /// Single sign-on when Authentication:Oidc:Authority is set. The provider's answer lands in Identity's external
    /// cookie; /account/external-callback (<see cref="SingleSignOn"/>) turns it into a local user and the portal's cookie.
    /// </summary>
    private static void AddOpenIdConnectWhenConfigured(WebApplicationBuilder builder, AuthenticationBuilder authentication)
    {
        var section = builder.Configuration.GetSection(SingleSignOnOptions.Section);
        if (string.IsNullOrWhiteSpace(section["Authority"])) return;
        authentication.AddOpenIdConnect(OpenIdConnectDefaults.AuthenticationScheme, "Single sign-on", options =>
        {
            section.Bind(options);
            options.SignInScheme = IdentityConstants.ExternalScheme;
            options.ResponseType = OpenIdConnectResponseType.Code;
            // The provider sends people back with a top-level GET, which carries SameSite=Lax cookies; form_post would
            // need SameSite=None, which browsers drop unless Secure, so sign-in could never work over plain http.
            options.ResponseMode = OpenIdConnectResponseMode.Query;
            options.CorrelationCookie.SameSite = SameSiteMode.Lax;
            options.NonceCookie.SameSite = SameSiteMode.Lax;
            if (builder.Environment.IsDevelopment())
            {
                // Development serves plain http, where Secure cookies never come back and every sign-in fails with "Correlation failed".
                options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            }
            options.Scope.Add("email"); // a new user is named after it when the provider sends no preferred_username
            // Claims keep the provider's names (sub, preferred_username, roles), so Authentication:Oidc:RoleClaim means what the id_token says.
            options.MapInboundClaims = false;
            options.SaveTokens = false;
            options.BackchannelTimeout = TimeSpan.FromSeconds(10);
            options.EventsType = typeof(SingleSignOnEvents);
        });
    }

    public static bool OidcEnabled(this IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[$"{SingleSignOnOptions.Section}:Authority"]);
}
