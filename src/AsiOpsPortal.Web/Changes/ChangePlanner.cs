using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Core.Scheduling;
using AsiOpsPortal.Web.Infrastructure;
using AsiOpsPortal.Web.Pipelines;
using AsiOpsPortal.Web.Scheduling;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Changes;

/// <summary>
/// Plans shared by every kind of change: the waves along its pipeline or scheduler policy, the version each cluster runs
/// now (what a rollback restores), and the rollback of what a rollout touched.
/// </summary>
internal static class ChangePlanner
{
    /// <summary>
    /// Plans <paramref name="change"/> along the pipeline or the scheduler policy it names, against the fleet registered now,
    /// and pins what each planned cluster runs; throws with the problems in <paramref name="errors"/> and its own.
    /// </summary>
    public static async Task PlanAsync(PortalDbContext db, Change change, List<string> errors, CancellationToken ct)
    {
        if (change.SchedulerPolicyName is { } policyName)
        {
            if (change.PipelineName.Length > 0) errors.Add("Choose a pipeline or a scheduler policy, not both.");
            var policy = await db.SchedulerPolicies.AsNoTracking().SingleOrDefaultAsync(p => p.Name == policyName, ct);
            if (policy is null) errors.Add($"No scheduler policy named '{policyName}'.");
            if (errors.Count > 0) throw new ValidationFailedException(errors);
            await ScheduleAsync(db, change, policy!, ct);
        }
        else
        {
            var pipeline = change.PipelineName.Length == 0 ? null : await db.Pipelines.AsNoTracking().SingleOrDefaultAsync(p => p.Name == change.PipelineName, ct);
            if (change.PipelineName.Length == 0) errors.Add("Choose a pipeline or a scheduler policy.");
            else if (pipeline is null) errors.Add($"No pipeline named '{change.PipelineName}'.");
            if (errors.Count > 0) throw new ValidationFailedException(errors);
            await PlanAlongAsync(db, change, pipeline!, ct);
        }
        await PinPreviousVersionsAsync(db, change, ct);
    }

    private static async Task PlanAlongAsync(PortalDbContext db, Change change, Pipeline pipeline, CancellationToken ct)
    {
        try
        {
            // Static waves first, then the pipeline's dynamic stage (if any) over the clusters they leave.
            change.Plan = await PipelineService.PlanAsync(db, pipeline, DateTimeOffset.UtcNow, ct);
        }
        catch (PipelineException e)
        {
            throw new ValidationFailedException(e.Problems.Select(p => $"Pipeline '{pipeline.Name}': {p}").ToList());
        }
        if (change.Plan.Waves.Sum(w => w.Clusters.Count) == 0)
            throw new ValidationFailedException([$"Pipeline '{pipeline.Name}' selects no registered cluster, so there is nothing to roll out."]);
        change.PipelineId = pipeline.Id;
    }

    /// <summary>The scheduler's plan for the fleet registered now; it is frozen with the rest at the last approval.</summary>
    private static async Task ScheduleAsync(PortalDbContext db, Change change, SchedulerPolicy policy, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        SchedulerPlan plan;
        try
        {
            plan = ClusterScheduler.Plan(SchedulerPolicyDocument.Of(policy), await SchedulerService.LoadFleetAsync(db, now, ct), now);
        }
        catch (SchedulerPolicyException e)
        {
            throw new ValidationFailedException(e.Problems.Select(p => $"Scheduler policy '{policy.Name}': {p}").ToList());
        }
        if (plan.PlannedCount == 0)
            throw new ValidationFailedException([$"Scheduler policy '{policy.Name}' schedules no registered cluster, so there is nothing to roll out" +
                (plan.Excluded.Count > 0 ? $" ({plan.Excluded[0].Name}: {plan.Excluded[0].Reason}{(plan.Excluded.Count > 1 ? $"; and {plan.Excluded.Count - 1} more left out" : "")})." : ".")]);
        change.Plan = plan.ToChangePlan();
        change.PipelineId = null;
    }

    /// <summary>What each planned cluster runs now: the version a rollback restores.</summary>
    public static async Task PinPreviousVersionsAsync(PortalDbContext db, Change change, CancellationToken ct)
    {
        var releases = change.ComponentId is { } componentId
            ? await db.ClusterReleases.AsNoTracking().Where(r => r.ComponentId == componentId).ToDictionaryAsync(r => r.ClusterId, ct)
            : [];
        foreach (var cluster in change.Plan.Waves.SelectMany(w => w.Clusters))
        {
            releases.TryGetValue(cluster.ClusterId, out var release);
            cluster.PreviousVersionId = release?.VersionId;
            cluster.PreviousVersion = release?.Version;
        }
    }

    /// <summary>
    /// What a rollback would do now: every cluster the rollout touched, the version it gets back (or that its objects go),
    /// its tier, and whether a newer change has moved it since; planned by <see cref="RollbackPlanner"/>.
    /// </summary>
    public static async Task<PlannedRollback> PlanRollbackAsync(PortalDbContext db, Change change, bool allAtOnce, CancellationToken ct)
    {
        var steps = await db.RolloutSteps.AsNoTracking()
            .Where(s => s.ChangeId == change.Id && s.Phase == RolloutPhase.Forward && s.StartedAt != null).ToListAsync(ct);
        var ids = steps.Select(s => s.ClusterId).ToList();
        var tiers = await db.Clusters.AsNoTracking().Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Tier, ct);
        var releases = change.ComponentId is { } componentId
            ? await db.ClusterReleases.AsNoTracking().Where(r => r.ComponentId == componentId && ids.Contains(r.ClusterId)).ToDictionaryAsync(r => r.ClusterId, ct)
            : [];
        var planned = change.Plan.Waves.SelectMany(w => w.Clusters).DistinctBy(c => c.ClusterId).ToDictionary(c => c.ClusterId);
        var touched = steps.Select(s => new TouchedCluster(s.ClusterId, s.ClusterName, s.Wave, s.AppliedAt ?? s.StartedAt!.Value,
            tiers.GetValueOrDefault(s.ClusterId, ClusterRules.LeastCriticalTier), planned.GetValueOrDefault(s.ClusterId)?.PreviousVersion,
            RollbackPlanner.MovedSince(change.Id, s.StartedAt!.Value, releases.GetValueOrDefault(s.ClusterId)))).ToList();
        return RollbackPlanner.Plan(change.Plan.Waves, touched, allAtOnce);
    }
}
