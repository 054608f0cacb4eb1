using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static AsiOpsPortal.Web.Changes.ChangeNames;

namespace AsiOpsPortal.Web.Changes;

/// <summary>
/// The operator's transitions of a running change: pause, resume, abort, and rollback (paced along the touched waves in
/// reverse, or all at once in an emergency), each checked by the rollout state machine in Core.
/// </summary>
public sealed class ChangeOperations(IDbContextFactory<PortalDbContext> dbFactory, ChangeWriter writer, TimeProvider time)
{
    public Task<ChangeDetail> PauseAsync(long id, Actor actor, string? reason, CancellationToken ct = default) =>
        ActAsync(id, ChangeAction.Pause, actor, reason, ct);

    public Task<ChangeDetail> ResumeAsync(long id, Actor actor, string? reason, CancellationToken ct = default) =>
        ActAsync(id, ChangeAction.Resume, actor, reason, ct);

    public Task<ChangeDetail> AbortAsync(long id, Actor actor, string? reason, CancellationToken ct = default) =>
        ActAsync(id, ChangeAction.Abort, actor, reason, ct);

    public Task<ChangeDetail> RollbackAsync(long id, Actor actor, string? reason, CancellationToken ct = default) =>
        ActAsync(id, ChangeAction.Rollback, actor, reason, ct);

    /// <summary>
    /// Rolls the change back along its waves in reverse, paced; or, with <see cref="RollbackRequest.AllAtOnce"/>, as one
    /// emergency wave, which needs a reason. Clusters a newer change moved since are left alone and named.
    /// </summary>
    public Task<ChangeDetail> RollbackAsync(long id, RollbackRequest request, Actor actor, CancellationToken ct = default)
    {
        if (request.AllAtOnce == true && string.IsNullOrWhiteSpace(request.Reason))
            throw new ValidationFailedException(["Say why the rollback must hit every cluster at once; the reason is audited."]);
        return ActAsync(id, ChangeAction.Rollback, actor, request.Reason, ct, allAtOnce: request.AllAtOnce == true);
    }

    /// <summary>What rolling the change back now would do, without doing it: the dialog and <c>GET …/rollback-plan</c> show it.</summary>
    public async Task<RollbackPreview> RollbackPreviewAsync(long id, bool allAtOnce, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var change = await db.Changes.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, ct) ?? throw new NotFoundException($"No change #{id}.");
        var refusal = ChangeLifecycle.Refusal(change.Status, ChangeAction.Rollback, change.RollingBack) ?? await RolledBackBeforeAsync(db, change, ct);
        var plan = await ChangePlanner.PlanRollbackAsync(db, change, allAtOnce, ct);
        var clusters = plan.Clusters;
        return new RollbackPreview(change.Id, What(change), plan.AllAtOnce, clusters.Count,
            clusters.Where(c => !c.RemovesObjects).GroupBy(c => c.RestoresVersion!).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new RollbackRestoreView(g.Key, Names(g))).ToList(),
            Names(clusters.Where(c => c.RemovesObjects)),
            Names(clusters.Where(c => c.Tier == 0)),
            plan.Skipped.Select(c => new RollbackSkipView(c.Name, c.MovedBy!)).ToList(),
            plan.Waves.Select(w => new RollbackWaveView(w.Name, w.MaxConcurrency, w.SoakSeconds, w.ProgressDeadlineSeconds, w.Clusters.Select(c => c.Name).ToList())).ToList(),
            refusal);
    }

    private static List<string> Names(IEnumerable<TouchedCluster> clusters) => clusters.Select(c => c.Name).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// An operator's action wins over the rollout's own bookkeeping: when the runner wrote the change meanwhile, the action is
    /// decided again on the change as it is now (and refused only if the change can no longer take it), never answered with
    /// "try again" while an SRE is trying to stop a rollout.
    /// </summary>
    private Task<ChangeDetail> ActAsync(long id, ChangeAction action, Actor actor, string? reason, CancellationToken ct, bool allAtOnce = false) =>
        writer.DecideAsync(id, actor, async (db, audit, change) =>
        {
            if (ChangeLifecycle.Refusal(change.Status, action, change.RollingBack) is { } refusal) throw new ConflictException(refusal);
            if (action == ChangeAction.Rollback && await RolledBackBeforeAsync(db, change, ct) is { } again) throw new ConflictException(again);
            var now = time.GetUtcNow();
            var why = string.IsNullOrWhiteSpace(reason) ? "" : $": {reason.Trim()}";
            var run = false;
            switch (action)
            {
                case ChangeAction.Pause:
                    change.Status = ChangeStatus.Paused;
                    change.StatusReason = change.RollingBack ? $"Rollback paused by {actor.Name}{why}; resuming carries the rollback on" : $"Paused by {actor.Name}{why}";
                    await audit.RecordAsync(AuditActions.ChangePaused, Target(change), (change.RollingBack ? "mid-rollback; " : "") + (reason ?? ""));
                    break;
                case ChangeAction.Resume:
                    // Retry what failed in the wave that stopped; the rest carries on where it was. A paused rollback resumes as a rollback.
                    var phase = change.RollingBack ? RolloutPhase.Rollback : RolloutPhase.Forward;
                    var wave = await db.RolloutWaves.Where(w => w.ChangeId == id && w.Phase == phase && w.Status != WaveStatus.Succeeded)
                        .OrderBy(w => w.Index).Select(w => (int?)w.Index).FirstOrDefaultAsync(ct);
                    var retried = await db.RolloutSteps
                        .Where(s => s.ChangeId == id && s.Phase == phase && s.Wave == wave && s.Status == StepStatus.Failed)
                        .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, StepStatus.Pending).SetProperty(s => s.Error, (string?)null), ct);
                    change.Status = ChangeStatus.Running;
                    change.StatusReason = change.RollingBack ? $"Rolling back, resumed by {actor.Name}{why}" : null;
                    await audit.RecordAsync(AuditActions.ChangeResumed, Target(change), $"{(change.RollingBack ? "rollback; " : "")}{retried} failed clusters retried{why}");
                    run = true;
                    break;
                case ChangeAction.Abort:
                    change.Status = ChangeStatus.Aborted;
                    change.StatusReason = $"Aborted by {actor.Name}{why}";
                    if (change.RollingBack)
                    {
                        var notReached = await db.RolloutSteps.Where(s => s.ChangeId == id && s.Phase == RolloutPhase.Rollback && s.Status == StepStatus.Pending)
                            .OrderBy(s => s.Wave).ThenBy(s => s.Position).Select(s => s.ClusterName).ToListAsync(ct);
                        change.StatusReason = $"Aborted mid-rollback by {actor.Name}{why}. " + (notReached.Count == 0 ? "The rollback had reached every cluster."
                            : $"{notReached.Count} cluster(s) the rollback had not reached keep {What(change)}: {string.Join(", ", notReached)}.");
                        change.RollingBack = false;
                    }
                    change.FinishedAt = now;
                    await db.RolloutSteps.Where(s => s.ChangeId == id && s.Status == StepStatus.Pending)
                        .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, StepStatus.Skipped), ct);
                    await db.RolloutWaves.Where(w => w.ChangeId == id && w.Status == WaveStatus.Pending)
                        .ExecuteUpdateAsync(u => u.SetProperty(w => w.Status, WaveStatus.Skipped), ct);
                    await audit.RecordAsync(AuditActions.ChangeAborted, Target(change), reason ?? "");
                    break;
                case ChangeAction.Rollback:
                    var rollback = await StartRollbackAsync(db, change, allAtOnce, ct);
                    change.Status = ChangeStatus.Running;
                    change.RollingBack = true;
                    change.StatusReason = $"Rolling back{(allAtOnce ? " all at once (emergency)" : "")}, asked by {actor.Name}{why}";
                    change.FinishedAt = null;
                    await audit.RecordAsync(AuditActions.ChangeRollbackStarted, Target(change), DescribeRollback(rollback) + why);
                    run = true;
                    break;
            }
            // Whatever the rollout waited on, the runner looks again when (and if) it runs on.
            change.WaitingFor = null;
            change.ParkedUntil = null;
            change.UpdatedAt = now;
            return run;
        }, ct, decideAgainOnRace: true);

    /// <summary>A change is rolled back once: its rollback rows are unique per cluster, and a second undo needs a new change.</summary>
    private static async Task<string?> RolledBackBeforeAsync(PortalDbContext db, Change change, CancellationToken ct) =>
        await db.RolloutWaves.AnyAsync(w => w.ChangeId == change.Id && w.Phase == RolloutPhase.Rollback, ct)
            ? "This change was rolled back once already; to move the fleet again, propose a new change."
            : null;

    /// <summary>Plans the rollback and writes its waves and steps; the pacing is frozen on the plan, where the runner reads it.</summary>
    private static async Task<PlannedRollback> StartRollbackAsync(PortalDbContext db, Change change, bool allAtOnce, CancellationToken ct)
    {
        // Clusters still waiting will never be touched now.
        await db.RolloutSteps.Where(s => s.ChangeId == change.Id && s.Phase == RolloutPhase.Forward && s.Status == StepStatus.Pending)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, StepStatus.Skipped), ct);
        await db.RolloutWaves.Where(w => w.ChangeId == change.Id && w.Phase == RolloutPhase.Forward && w.Status == WaveStatus.Pending)
            .ExecuteUpdateAsync(u => u.SetProperty(w => w.Status, WaveStatus.Skipped), ct);
        var rollback = await ChangePlanner.PlanRollbackAsync(db, change, allAtOnce, ct);
        for (var w = 0; w < rollback.Waves.Count; w++)
        {
            var wave = rollback.Waves[w];
            db.RolloutWaves.Add(new RolloutWave { ChangeId = change.Id, Phase = RolloutPhase.Rollback, Index = w, Name = wave.Name });
            for (var p = 0; p < wave.Clusters.Count; p++)
                db.RolloutSteps.Add(new RolloutStep
                {
                    ChangeId = change.Id, Phase = RolloutPhase.Rollback, Wave = w, Position = p,
                    ClusterId = wave.Clusters[p].ClusterId, ClusterName = wave.Clusters[p].Name,
                });
        }
        change.Plan = new ChangePlan
        {
            Waves = change.Plan.Waves, Unplanned = change.Plan.Unplanned, RollbackAllAtOnce = rollback.AllAtOnce,
            Rollback = rollback.Waves.Select(w => new RollbackWaveSettings
            {
                Name = w.Name, MaxConcurrency = w.MaxConcurrency, MinSuccessSeconds = w.SoakSeconds, ProgressDeadlineSeconds = w.ProgressDeadlineSeconds,
            }).ToList(),
            RollbackSkipped = rollback.Skipped.Select(c => $"{c.Name}: {c.MovedBy}").ToList(),
        };
        return rollback;
    }

    /// <summary>The rollback in one audit line: how many clusters, in which waves, what each gets, tier 0, and what it leaves alone.</summary>
    private static string DescribeRollback(PlannedRollback rollback)
    {
        var clusters = rollback.Clusters;
        var parts = new List<string>
        {
            $"{clusters.Count} clusters" + (rollback.AllAtOnce ? " all at once (emergency)" : $" in {rollback.Waves.Count} waves, newest first")
                + (rollback.Waves.Count > 0 ? $": {string.Join(" → ", rollback.Waves.Select(w => $"{w.Name} ({w.Clusters.Count})"))}" : ""),
        };
        var restored = clusters.Where(c => !c.RemovesObjects).ToList();
        if (restored.Count > 0) parts.Add($"restored: {string.Join(", ", restored.Select(c => $"{c.Name} to {c.RestoresVersion}"))}");
        var removed = Names(clusters.Where(c => c.RemovesObjects));
        if (removed.Count > 0) parts.Add($"objects removed (nothing ran before): {string.Join(", ", removed)}");
        var tierZero = Names(clusters.Where(c => c.Tier == 0));
        if (tierZero.Count > 0) parts.Add($"tier 0: {string.Join(", ", tierZero)}");
        if (rollback.Skipped.Count > 0) parts.Add($"left alone: {string.Join("; ", rollback.Skipped.Select(c => $"{c.Name} ({c.MovedBy})"))}");
        return string.Join("; ", parts);
    }
}
