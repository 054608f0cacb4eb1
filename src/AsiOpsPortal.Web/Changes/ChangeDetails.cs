using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Core.Scheduling;
using AsiOpsPortal.Web.Risk;
using AsiOpsPortal.Web.Freeze;

namespace AsiOpsPortal.Web.Changes;

/// <summary>Joins a change's plan with its rollout rows into the view the change page and the API show.</summary>
internal static class ChangeDetails
{
    public static ChangeDetail Build(Change change, IReadOnlyList<RolloutWave> waves, IReadOnlyList<RolloutStep> steps, IReadOnlyList<PlanDiffView> diffs,
        FreezeStatus? freeze = null)
    {
        var groupOf = diffs.SelectMany(d => d.Clusters.Select(cluster => (cluster, d.Group))).ToDictionary(p => p.cluster, p => p.Group);
        var forwardSteps = steps.Where(s => s.Phase == RolloutPhase.Forward).ToDictionary(s => s.ClusterId);
        var rollbackSteps = steps.Where(s => s.Phase == RolloutPhase.Rollback).ToDictionary(s => s.ClusterId);
        var forward = change.Plan.Waves.Select((planned, index) =>
        {
            var wave = waves.SingleOrDefault(w => w.Phase == RolloutPhase.Forward && w.Index == index);
            var clusters = planned.Clusters
                .Select(c => Undone(Cluster(c.Name, c.Environment, forwardSteps.GetValueOrDefault(c.ClusterId), from: c.PreviousVersion, to: change.Version,
                    diffGroup: groupOf.GetValueOrDefault(c.Name)), rollbackSteps.GetValueOrDefault(c.ClusterId)))
                .ToList();
            var status = wave is null ? nameof(WaveStatus.Pending) : ChangeViewText.Of(wave.Status);
            return new WaveView(index, planned.Name, UndoneStatus(status, planned.Clusters.Select(c => rollbackSteps.GetValueOrDefault(c.ClusterId)).OfType<RolloutStep>().ToList()),
                planned.MaxConcurrency, planned.MinSuccessSeconds, planned.ProgressDeadlineSeconds, planned.MaxFailures, planned.Canary,
                wave?.StartedAt, wave?.FinishedAt, clusters);
        }).ToList();

        var environments = change.Plan.Waves.SelectMany(w => w.Clusters).DistinctBy(c => c.ClusterId).ToDictionary(c => c.ClusterId);
        var rollback = waves.Where(w => w.Phase == RolloutPhase.Rollback).OrderBy(w => w.Index).Select(wave =>
            new WaveView(wave.Index, wave.Name, ChangeViewText.Of(wave.Status),
                RollbackPacing(change, wave.Index)?.MaxConcurrency ?? 0, RollbackPacing(change, wave.Index)?.MinSuccessSeconds ?? 0,
                RollbackPacing(change, wave.Index)?.ProgressDeadlineSeconds ?? 0, "", false, wave.StartedAt, wave.FinishedAt,
                steps.Where(s => s.Phase == RolloutPhase.Rollback && s.Wave == wave.Index).OrderBy(s => s.Position)
                    .Select(s => environments.TryGetValue(s.ClusterId, out var planned)
                        ? Cluster(s.ClusterName, planned.Environment, s, from: change.Version, to: planned.PreviousVersion ?? "(removed)")
                        : Cluster(s.ClusterName, "", s, from: change.Version, to: null))
                    .ToList())).ToList();

        return new ChangeDetail(
            change.Id, change.Title, ChangeViewText.Of(change.Status), ChangeViewText.Of(change.RiskLevel), change.Reason, change.RollbackPlan,
            change.RequestedBy, change.ComponentName, change.Version, change.PipelineName, change.Revision, change.RequiredApprovals,
            change.Approvals.Where(a => a.Kind == ApprovalKind.Review).OrderBy(a => a.At).Select(a => new ApprovalView(a.Approver, a.Decision.ToString().ToLowerInvariant(), a.Comment, a.At, a.Revision == change.Revision)).ToList(),
            forward, change.Plan.Unplanned, change.PlanFrozenAt is not null, change.RollingBack, change.StatusReason,
            change.CreatedAt, change.StartedAt, change.FinishedAt, rollback, diffs,
            change.Risk.Findings.Select(RiskFindingView.Of).ToList(), change.Risk.Reasons,
            change.Risk.Override is { } given ? new RiskOverrideView(given.By, given.Reason, given.At) : null,
            ApprovalPolicy.Describe(change.RiskLevel),
            // Only a running rollout waits by itself; a paused or ended one waits for a person, whatever it last waited on.
            change.Status == ChangeStatus.Running ? change.WaitingFor : null, freeze) with
        {
            SchedulerPolicy = change.SchedulerPolicyName,
            EditedBy = change.EditedBy,
            Replanned = change.PlanBeforeEdit.Waves.Count > 0 ? PlanDiff.Between(change.PlanBeforeEdit, change.Plan) : null,
            RunThrough = change.RunThrough.IsRequested && ApprovalPolicy.ExceptionGrant(change) is var grant
                ? new RunThroughView(change.RunThrough.WindowNames, change.RunThrough.Reason, grant?.Approver, grant?.Comment, grant?.At)
                : null,
            RollbackSkipped = change.Plan.RollbackSkipped,
            RollbackAllAtOnce = change.Plan.RollbackAllAtOnce,
        };
    }

    private static RollbackWaveSettings? RollbackPacing(Change change, int index) =>
        index < change.Plan.Rollback.Count ? change.Plan.Rollback[index] : null;

    /// <summary>
    /// A forward cluster the rollback reached shows where the rollback got, not the green of its forward step: a rolled-back
    /// change must not look like a finished rollout.
    /// </summary>
    private static ClusterStepView Undone(ClusterStepView forward, RolloutStep? rollback) => rollback is null ? forward : forward with
    {
        Status = rollback.Status switch
        {
            StepStatus.Succeeded => RolledBack,
            StepStatus.Failed => RollbackFailed,
            StepStatus.Skipped => forward.Status,
            _ => RollingBack,
        },
        Detail = rollback.Status == StepStatus.Skipped ? forward.Detail : $"rollback: {rollback.Detail ?? ChangeViewText.Of(rollback.Status)}",
        Error = rollback.Error ?? forward.Error,
    };

    /// <summary>A forward wave the rollback reached is "RolledBack" once all its clusters are, "RollingBack" before.</summary>
    private static string UndoneStatus(string forward, IReadOnlyList<RolloutStep> rollback)
    {
        var reached = rollback.Where(s => s.Status != StepStatus.Skipped).ToList();
        if (reached.Count == 0) return forward;
        if (reached.Any(s => s.Status is StepStatus.Pending or StepStatus.Applying or StepStatus.Converging)) return RollingBack;
        if (reached.Any(s => s.Status == StepStatus.Failed)) return RollbackFailed;
        // An aborted rollback leaves some clusters of the wave on the change.
        return reached.Count < rollback.Count ? PartlyRolledBack : RolledBack;
    }

    public const string RolledBack = "RolledBack";
    public const string RollingBack = "RollingBack";
    public const string RollbackFailed = "RollbackFailed";
    public const string PartlyRolledBack = "PartlyRolledBack";

    private static ClusterStepView Cluster(string name, string environment, RolloutStep? step, string? from, string? to, string? diffGroup = null) => new(
        name, environment, step is null ? nameof(StepStatus.Pending) : ChangeViewText.Of(step.Status), from, to,
        step?.StartedAt, step?.FinishedAt,
        step is { StartedAt: { } started, FinishedAt: { } finished } ? Math.Round((finished - started).TotalSeconds, 1) : null,
        step?.Detail, step?.Error, diffGroup);
}

