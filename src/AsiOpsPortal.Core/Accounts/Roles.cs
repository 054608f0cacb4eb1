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

    private static int IndexOf(string role)
    {
        for (var i = 0; i < All.Count; i++)
            if (string.Equals(All[i], role, StringComparison.OrdinalIgnoreCase)) return i;
        throw new ArgumentException($"Unknown role '{role}'.", nameof(role));
    }
}
