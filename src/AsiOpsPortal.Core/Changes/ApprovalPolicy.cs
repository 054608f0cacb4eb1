using AsiOpsPortal.Core.Accounts;

namespace AsiOpsPortal.Core.Changes;

/// <summary>
/// Who must approve a change, by its risk level (see <see cref="Risk.RiskGrading"/>): Low needs one SRE, Medium and High two
/// distinct SREs, Critical two SREs and an Admin. The requester never counts, and approvals given to an earlier revision of
/// the change do not count.
/// </summary>
public static class ApprovalPolicy
{
    public const string ProductionEnvironment = "prod";

    public static bool IsProduction(string environment) =>
        environment.Equals(ProductionEnvironment, StringComparison.OrdinalIgnoreCase)
        || environment.Equals("production", StringComparison.OrdinalIgnoreCase);

    /// <summary>Distinct approvers a change of <paramref name="risk"/> needs, the Admin of a critical change included.</summary>
    public static int RequiredApprovals(RiskLevel risk) => risk switch
    {
        RiskLevel.Low => 1,
        RiskLevel.Medium or RiskLevel.High => 2,
        RiskLevel.Critical => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(risk), risk, null),
    };

    /// <summary>Whether one of the approvers must be an Admin.</summary>
    public static bool RequiresAdmin(RiskLevel risk) => risk == RiskLevel.Critical;

    /// <summary>Who must approve, in words: "one SRE", "2 distinct SREs", "2 distinct SREs and an Admin".</summary>
    public static string Describe(RiskLevel risk) => risk switch
    {
        RiskLevel.Low => "one SRE",
        RiskLevel.Critical => $"{RequiredApprovals(risk) - 1} distinct SREs and an Admin",
        _ => $"{RequiredApprovals(risk)} distinct SREs",
    };

    /// <summary>The role an approver needs.</summary>
    public const string ApproverRole = Roles.Sre;

    /// <summary>Null when <paramref name="user"/> holding <paramref name="role"/> may approve or reject now; otherwise why not.</summary>
    public static string? Refusal(Change change, string user, string role, ApprovalDecision decision)
    {
        if (ChangeLifecycle.Refusal(change.Status, decision == ApprovalDecision.Approve ? ChangeAction.Approve : ChangeAction.Reject) is { } state)
            return state;
        if (string.Equals(change.RequestedBy, user, StringComparison.OrdinalIgnoreCase))
            return "You requested this change; someone else must review it.";
        if (!Roles.Satisfies(role, ApproverRole))
            return $"Reviewing changes needs the {ApproverRole} role.";
        if (Current(change).Any(a => string.Equals(a.Approver, user, StringComparison.OrdinalIgnoreCase)))
            return "You have already reviewed this revision of the change.";
        // Otherwise the last SRE approval would be spent on a change that still cannot start.
        if (decision == ApprovalDecision.Approve && RequiresAdmin(change.RiskLevel) && !Roles.Satisfies(role, Roles.Admin)
            && AdminCount(change) == 0 && Count(change) >= change.RequiredApprovals - 1)
            return $"This {change.RiskLevel.ToString().ToLowerInvariant()}-risk change has its SRE approvals; the remaining approval must come from an Admin.";
        return null;
    }

    /// <summary>The decisions that count: those given to the change's current revision.</summary>
    public static IEnumerable<Approval> Current(Change change) => change.Approvals.Where(a => a.Revision == change.Revision);

    /// <summary>Distinct approvers of the current revision, the requester excluded.</summary>
    public static int Count(Change change) => Approvers(change).Select(a => a.Approver.ToLowerInvariant()).Distinct().Count();

    /// <summary>Distinct Admins among the approvers of the current revision, the requester excluded.</summary>
    public static int AdminCount(Change change) => Approvers(change)
        .Where(a => string.Equals(a.ApproverRole, Roles.Admin, StringComparison.OrdinalIgnoreCase))
        .Select(a => a.Approver.ToLowerInvariant()).Distinct().Count();

    public static bool IsSatisfied(Change change) =>
        Count(change) >= change.RequiredApprovals && (!RequiresAdmin(change.RiskLevel) || AdminCount(change) > 0);

    private static IEnumerable<Approval> Approvers(Change change) => Current(change)
        .Where(a => a.Decision == ApprovalDecision.Approve && !string.Equals(a.Approver, change.RequestedBy, StringComparison.OrdinalIgnoreCase));
}
