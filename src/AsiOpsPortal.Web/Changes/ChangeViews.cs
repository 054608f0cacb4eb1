using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Rollouts;
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
    string? Namespace = null);

public sealed record ProposalChoices(IReadOnlyList<ComponentChoice> Components, IReadOnlyList<string> Pipelines);

public sealed record ComponentChoice(string Name, IReadOnlyList<string> Versions);

public sealed record ReviewRequest(string? Decision, string? Comment);

public sealed record ActionRequest(string? Reason);

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
    string? StatusReason);

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
    string? WaitingFor = null,
    FreezeStatus? Freeze = null);

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
    string? Error);

public static class ChangeViewText
{
    public static string Of(ChangeStatus status) => status.ToString();
    public static string Of(RiskLevel risk) => risk.ToString().ToLowerInvariant();
    public static string Of(StepStatus status) => status.ToString();
    public static string Of(WaveStatus status) => status.ToString();
}
