using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Core.Scheduling;
using AsiOpsPortal.Web.Risk;
using AsiOpsPortal.Web.Gates;
using AsiOpsPortal.Web.Freeze;

namespace AsiOpsPortal.Web.Changes;

/// <summary>
/// What a person proposes: a component version or ad-hoc manifests, along a pipeline, with the why. The same shape is
/// the body of <c>POST /api/v1/changes</c>.
/// </summary>
public sealed record ChangeProposal(
    string? Title,
    string? Reason,
    string? RollbackPlan,
    string? Component,
    string? Version,
    string? Pipeline,
    string? Manifests = null,
    string? Namespace = null,
    string? OverrideReason = null,
    string? SchedulerPolicy = null,
    RunThroughRequest? RunThrough = null);

/// <summary>Freeze windows (by name or id) the change asks to run through, and why; an Admin must grant it.</summary>
public sealed record RunThroughRequest(IReadOnlyList<string>? Windows, string? Reason)
{
    // By value, so a proposal built twice from the same form fields is the same proposal (the edit form relies on it).
    public bool Equals(RunThroughRequest? other) =>
        other is not null && Reason == other.Reason && (Windows ?? []).SequenceEqual(other.Windows ?? []);

    public override int GetHashCode() => HashCode.Combine(Reason, string.Join('\n', Windows ?? []));
}

/// <summary>The body of <c>POST /api/v1/changes/{id}/freeze-exception</c>: the granting Admin's reason.</summary>
public sealed record GrantRequest(string? Reason);

/// <summary>A change as its edit form opens: what it was proposed with, and what saving would void.</summary>
public sealed record ChangeDraft(
    long Id,
    ChangeProposal Proposal,
    string Status,
    string RequestedBy,
    int Revision,
    int ApprovalsGiven,
    int RequiredApprovals);

public sealed record ProposalChoices(IReadOnlyList<ComponentChoice> Components, IReadOnlyList<string> Pipelines, IReadOnlyList<string> SchedulerPolicies)
{
    /// <summary>Freeze window names a change may ask to run through.</summary>
    public IReadOnlyList<string> FreezeWindows { get; init; } = [];
}

public sealed record ComponentChoice(string Name, IReadOnlyList<string> Versions);

public sealed record ReviewRequest(string? Decision, string? Comment);

public sealed record ActionRequest(string? Reason);

/// <summary>
/// The body of <c>POST /api/v1/changes/{id}/rollback</c>: why, and whether to hit every cluster at once (an emergency
/// option that needs the reason). Without a body the rollback is paced along the waves in reverse.
/// </summary>
public sealed record RollbackRequest(string? Reason, bool? AllAtOnce = null);

/// <summary>
/// What rolling a change back would do: how many clusters, which get which older version back and which lose the change's
/// objects (nothing ran there before), the tier-0 clusters among them, the touched clusters left alone (a newer change moved
/// them) and the waves. <see cref="Refusal"/> says why the change cannot be rolled back now (null: it can).
/// </summary>
public sealed record RollbackPreview(
    long ChangeId,
    string What,
    bool AllAtOnce,
    int ClusterCount,
    IReadOnlyList<RollbackRestoreView> Restored,
    IReadOnlyList<string> Removed,
    IReadOnlyList<string> TierZero,
    IReadOnlyList<RollbackSkipView> Skipped,
    IReadOnlyList<RollbackWaveView> Waves,
    string? Refusal);

public sealed record RollbackRestoreView(string Version, IReadOnlyList<string> Clusters);

public sealed record RollbackSkipView(string Cluster, string Why);

public sealed record RollbackWaveView(string Name, int MaxConcurrency, int SoakSeconds, int ProgressDeadlineSeconds, IReadOnlyList<string> Clusters);

/// <summary>Why a person may not review a change, and why they may not grant its freeze exception; null where they may.</summary>
public sealed record ChangeRefusals(string? Review, string? Grant);

public sealed record ChangeSummary(
    long Id,
    string Title,
    string Status,
    string RiskLevel,
    string RequestedBy,
    string What,
    string Pipeline,
    int Approvals,
    int RequiredApprovals,
    int ClustersDone,
    int ClustersTotal,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? StatusReason)
{
    /// <summary>The scheduler policy that planned the change, when no pipeline did.</summary>
    public string? SchedulerPolicy { get; init; }

    /// <summary>The requester and everyone who edited the change: none of them may review it.</summary>
    public IReadOnlyList<string> Authors { get; init; } = [];

    /// <summary>The clusters counted are the rollback's: the change is being (or was) rolled back.</summary>
    public bool ProgressOfRollback { get; init; }
}

public sealed record ChangeDetail(
    long Id,
    string Title,
    string Status,
    string RiskLevel,
    string Reason,
    string RollbackPlan,
    string RequestedBy,
    string? Component,
    string? Version,
    string Pipeline,
    int Revision,
    int RequiredApprovals,
    IReadOnlyList<ApprovalView> Approvals,
    IReadOnlyList<WaveView> Waves,
    IReadOnlyList<string> Unplanned,
    bool PlanFrozen,
    bool RollingBack,
    string? StatusReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    IReadOnlyList<WaveView> RollbackWaves,
    IReadOnlyList<PlanDiffView> Diffs,
    IReadOnlyList<RiskFindingView> Findings,
    IReadOnlyList<string> RiskReasons,
    RiskOverrideView? RiskOverride,
    string Approvers,
    string? WaitingFor = null,
    FreezeStatus? Freeze = null)
{
    /// <summary>Who edited the change after proposing it (never its reviewers).</summary>
    public IReadOnlyList<string> EditedBy { get; init; } = [];

    /// <summary>Every webhook gate asked during the rollout, oldest first.</summary>
    public IReadOnlyList<GateCallView> Gates { get; init; } = [];

    /// <summary>The scheduler policy that planned the change (then <see cref="Pipeline"/> is empty).</summary>
    public string? SchedulerPolicy { get; init; }

    /// <summary>What the last edit's re-planning changed: clusters added, removed, moved to another wave; null before any edit.</summary>
    public PlanDiff? Replanned { get; init; }

    /// <summary>Clusters registered after the plan was frozen (the first 50 by name): never part of this change.</summary>
    public IReadOnlyList<string> RegisteredSinceFrozen { get; init; } = [];

    /// <summary>The freeze windows the change asks to run through, and whether an Admin granted it; null when it asks for none.</summary>
    public RunThroughView? RunThrough { get; init; }

    /// <summary>Touched clusters the rollback left alone, each with why.</summary>
    public IReadOnlyList<string> RollbackSkipped { get; init; } = [];

    /// <summary>The rollback was run as one emergency wave, all at once.</summary>
    public bool RollbackAllAtOnce { get; init; }

    /// <summary>
    /// Before approval: the approved changes of the same component whose turn comes first on some planned clusters
    /// ("waits for change #12 (web 1.26.2) on test-a"); this one will wait for them there. Empty once approved.
    /// </summary>
    public IReadOnlyList<string> WaitsForChanges { get; init; } = [];
}

public sealed record RunThroughView(IReadOnlyList<string> Windows, string Reason, string? GrantedBy, string? GrantReason, DateTimeOffset? GrantedAt);

/// <summary>
/// What applying the change does to the planned clusters that run one version now (<see cref="From"/>, null: none): one
/// diff per group, not per cluster. For ad-hoc manifests <see cref="CurrentStateKnown"/> is false: the portal does not
/// track what such manifests replace, so every object shows as new.
/// </summary>
/// <param name="Group">"A", "B", …: the label each cluster of the group carries in the waves.</param>
/// <param name="Objects">The objects the diff touches, e.g. "Deployment web".</param>
public sealed record PlanDiffView(
    string Group,
    string? From,
    string? To,
    bool CurrentStateKnown,
    IReadOnlyList<string> Clusters,
    IReadOnlyList<string> Objects,
    ManifestDiff Diff);

public sealed record ApprovalView(string Approver, string Decision, string Comment, DateTimeOffset At, bool Current);

public sealed record WaveView(
    int Index,
    string Name,
    string Status,
    int MaxConcurrency,
    int MinSuccessSeconds,
    int ProgressDeadlineSeconds,
    string MaxFailures,
    bool Canary,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    IReadOnlyList<ClusterStepView> Clusters);

public sealed record ClusterStepView(
    string Name,
    string Environment,
    string Status,
    string? From,
    string? To,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    double? DurationSeconds,
    string? Detail,
    string? Error,
    string? DiffGroup = null);

public static class ChangeViewText
{
    public static string Of(ChangeStatus status) => status.ToString();
    public static string Of(RiskLevel risk) => risk.ToString().ToLowerInvariant();
    public static string Of(StepStatus status) => status.ToString();
    public static string Of(WaveStatus status) => status.ToString();
}
