using System.IO.Enumeration;

namespace AsiOpsPortal.Core.Defender;

/// <summary>Which requests an agent limit counts, and what it may be: pure rules.</summary>
public static class AgentLimits
{
    /// <summary>An agent limit's one window: requests per second, sliding like a budget's.</summary>
    public const string Window = "1s";
    public static readonly TimeSpan Length = TimeSpan.FromSeconds(1);
    public const string Any = "*";

    public static bool Matches(DefenderAgentLimit limit, AdmissionRequest request) =>
        (limit.Resource == Any || limit.Resource == request.Resource)
        && (limit.Verb == Any || limit.Verb == request.Verb)
        && FileSystemName.MatchesSimpleExpression(limit.Pattern, request.UserAgent, ignoreCase: true);

    public static IReadOnlyList<string> Validate(DefenderAgentLimit limit)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(limit.Pattern) || limit.Pattern.Length > 256)
            problems.Add("pattern: give a user agent pattern of 1–256 characters, '*' matching any run of characters, e.g. \"kube-controller-manager/*\".");
        if (string.IsNullOrWhiteSpace(limit.Resource))
            problems.Add("resource: name a resource, e.g. \"pods\", or \"*\" for any.");
        if (limit.Verb != Any && !DefenderVerbs.All.Contains(limit.Verb))
            problems.Add($"verb: '{limit.Verb}' is not one of {string.Join(", ", DefenderVerbs.All)} or \"*\".");
        if (limit.PerSecond is < 1 or > DefenderRules.MaxLimit)
            problems.Add($"perSecond: must be between 1 and {DefenderRules.MaxLimit:N0} (was {limit.PerSecond}).");
        return problems;
    }
}
