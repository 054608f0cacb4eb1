using AsiOpsPortal.Core.Accounts;
using Microsoft.AspNetCore.Authorization;

namespace AsiOpsPortal.Web.Infrastructure;

/// <summary>One policy per role; each admits that role and every role above it.</summary>
public static class Policies
{
    public const string Viewer = "Viewer";
    public const string Developer = "Developer";
    public const string Sre = "SRE";
    public const string Admin = "Admin";

    public static readonly IReadOnlyDictionary<string, string> MinimumRole = new Dictionary<string, string>
    {
        [Viewer] = Roles.Viewer,
        [Developer] = Roles.Developer,
        [Sre] = Roles.Sre,
        [Admin] = Roles.Admin,
    };

    /// <summary>The policy that admits <paramref name="minimumRole"/> and every role above it.</summary>
    public static AuthorizationPolicy ForRole(string minimumRole) =>
        new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(Roles.AtLeast(minimumRole)).Build();

    public static void AddPortalPolicies(this AuthorizationOptions options)
    {
        foreach (var (policy, role) in MinimumRole) options.AddPolicy(policy, ForRole(role));
        // Anything that forgets to name a policy still requires a signed-in Viewer.
        options.FallbackPolicy = ForRole(Roles.Viewer);
    }
}
