using AsiOpsPortal.Core.Accounts;

namespace AsiOpsPortal.Core.Changes;

/// <summary>
/// Who must approve a change, by its risk level (see <see cref="Risk.RiskGrading"/>): Low needs one SRE, Medium and High two
/// distinct SREs, Critical two SREs and an Admin. Its authors (the requester and everyone who edited it) never count, and
/// approvals given to an earlier revision of the change do not count. A change that asks to run through freeze windows also needs an Admin's grant of that exception,
/// with a reason: an approval of its own, on top of the reviews.
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
        if (IsAuthor(change, user))
            return "You edited this change, so you are one of its authors; someone else must review it.";
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

    /// <summary>The reviews that count: those given to the change's current revision.</summary>
    public static IEnumerable<Approval> Current(Change change) =>
        change.Approvals.Where(a => a.Revision == change.Revision && a.Kind == ApprovalKind.Review);

    /// <summary>The Admin's grant of the change's freeze exception for its current revision, or null.</summary>
    public static Approval? ExceptionGrant(Change change) =>
        change.Approvals.FirstOrDefault(a => a.Revision == change.Revision && a.Kind == ApprovalKind.FreezeException && a.Decision == ApprovalDecision.Approve);

    /// <summary>Null when <paramref name="user"/> holding <paramref name="role"/> may grant the change's freeze exception now; otherwise why not.</summary>
    public static string? ExceptionRefusal(Change change, string user, string role)
    {
        if (ChangeLifecycle.Refusal(change.Status, ChangeAction.Approve) is { } state) return state;
        if (!change.RunThrough.IsRequested) return "This change asks to run through no freeze window.";
        if (string.Equals(change.RequestedBy, user, StringComparison.OrdinalIgnoreCase))
            return "You requested this change; another Admin must grant its freeze exception.";
        if (IsAuthor(change, user))
            return "You edited this change, so you are one of its authors; another Admin must grant its freeze exception.";
        if (!Roles.Satisfies(role, Roles.Admin)) return "Only an Admin may grant a freeze exception.";
        if (ExceptionGrant(change) is { } given) return $"{given.Approver} already granted the freeze exception of this revision.";
        return null;
    }

    /// <summary>Distinct approvers of the current revision, the authors excluded.</summary>
    public static int Count(Change change) => Approvers(change).Select(a => a.Approver.ToLowerInvariant()).Distinct().Count();

    /// <summary>Distinct Admins among the approvers of the current revision, the authors excluded.</summary>
    public static int AdminCount(Change change) => Approvers(change)
        .Where(a => string.Equals(a.ApproverRole, Roles.Admin, StringComparison.OrdinalIgnoreCase))
        .Select(a => a.Approver.ToLowerInvariant()).Distinct().Count();

    public static bool IsSatisfied(Change change) =>
        Count(change) >= change.RequiredApprovals && (!RequiresAdmin(change.RiskLevel) || AdminCount(change) > 0)
        && (!change.RunThrough.IsRequested || ExceptionGrant(change) is not null);

    /// <summary>Whether <paramref name="user"/> requested or edited the change: an author, who never approves it.</summary>
    public static bool IsAuthor(Change change, string user) =>
        string.Equals(change.RequestedBy, user, StringComparison.OrdinalIgnoreCase)
        || change.EditedBy.Contains(user, StringComparer.OrdinalIgnoreCase);

    private static IEnumerable<Approval> Approvers(Change change) => Current(change)
        .Where(a => a.Decision == ApprovalDecision.Approve && !IsAuthor(change, a.Approver));
}
