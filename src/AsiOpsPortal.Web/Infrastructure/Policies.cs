using AsiOpsPortal.Core.Accounts;

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
}
