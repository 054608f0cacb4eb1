using AsiOpsPortal.Core.Accounts;

namespace AsiOpsPortal.Core.Changes;

/// <summary>
/// Who must approve a change: low risk needs one SRE, high risk two distinct SREs; anything touching production is high
/// risk. The requester never counts, and approvals given to an earlier revision of the change do not count.
/// </summary>
public static class ApprovalPolicy
{
    public const string ProductionEnvironment = "prod";

    public static RiskLevel RiskOf(ChangePlan plan) =>
        plan.Waves.SelectMany(w => w.Clusters).Any(c => IsProduction(c.Environment)) ? RiskLevel.High : RiskLevel.Low;

    public static bool IsProduction(string environment) =>
        environment.Equals(ProductionEnvironment, StringComparison.OrdinalIgnoreCase)
        || environment.Equals("production", StringComparison.OrdinalIgnoreCase);

    public static int RequiredApprovals(RiskLevel risk) => risk switch
    {
        RiskLevel.Low => 1,
        _ => 2,
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
        return null;
    }

    /// <summary>The decisions that count: those given to the change's current revision.</summary>
    public static IEnumerable<Approval> Current(Change change) => change.Approvals.Where(a => a.Revision == change.Revision);

    /// <summary>Distinct approvers of the current revision, the requester excluded.</summary>
    public static int Count(Change change) => Current(change)
        .Where(a => a.Decision == ApprovalDecision.Approve && !string.Equals(a.Approver, change.RequestedBy, StringComparison.OrdinalIgnoreCase))
        .Select(a => a.Approver.ToLowerInvariant())
        .Distinct()
        .Count();

    public static bool IsSatisfied(Change change) => Count(change) >= change.RequiredApprovals;
}
