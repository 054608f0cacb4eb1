namespace AsiOpsPortal.Core.Accounts;

/// <summary>The four roles. Each includes the rights of the ones before it.</summary>
public static class Roles
{
    public const string Viewer = "Viewer";
    public const string Developer = "Developer";
    public const string Sre = "SRE";
    public const string Admin = "Admin";

    public static readonly IReadOnlyList<string> All = [Viewer, Developer, Sre, Admin];

    /// <summary>The roles that satisfy a requirement of <paramref name="minimum"/> (a higher role may do what a lower one may).</summary>
    public static string[] AtLeast(string minimum)
    {
        var index = IndexOf(minimum);
        return All.Skip(index).ToArray();
    }

    public static bool Satisfies(string role, string minimum) => IndexOf(role) >= IndexOf(minimum);

    /// <summary>
    /// The one role an identity provider's role claim grants: the highest value that names a role (in any case), and
    /// Viewer when none does, since the provider has vouched for the person.
    /// </summary>
    public static string GrantedBy(IEnumerable<string> claimValues)
    {
        var granted = Viewer;
        foreach (var value in claimValues)
        {
            var role = All.FirstOrDefault(r => string.Equals(r, value.Trim(), StringComparison.OrdinalIgnoreCase));
            if (role is not null && IndexOf(role) > IndexOf(granted)) granted = role;
        }
        return granted;
    }

    private static int IndexOf(string role)
    {
        for (var i = 0; i < All.Count; i++)
            if (string.Equals(All[i], role, StringComparison.OrdinalIgnoreCase)) return i;
        throw new ArgumentException($"Unknown role '{role}'.", nameof(role));
    }
}
