using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Freeze;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Freeze;
using AsiOpsPortal.Web.Gates;
using Microsoft.EntityFrameworkCore;
using static AsiOpsPortal.Web.Changes.ChangeNames;

namespace AsiOpsPortal.Web.Changes;

/// <summary>Reading changes: the list, the approval inbox, and one change in detail (plan, progress, diffs, freezes, gates).</summary>
public sealed class ChangeQueries(IDbContextFactory<PortalDbContext> dbFactory, FreezeService freeze, TimeProvider time)
{
    public async Task<IReadOnlyList<ChangeSummary>> ListAsync(ChangeStatus? status = null, int limit = 200, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Changes.AsNoTracking().Include(c => c.Approvals).AsQueryable();
        if (status is { } s) query = query.Where(c => c.Status == s);
        var changes = await query.OrderByDescending(c => c.UpdatedAt).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(ct);
        var ids = changes.Select(c => c.Id).ToList();
        // Once a change is rolled back, its bar counts the rollback: a rolled-back change must not look like a finished rollout.
        var progress = (await db.RolloutSteps.Where(r => ids.Contains(r.ChangeId))
            .GroupBy(r => new { r.ChangeId, r.Phase })
            .Select(g => new { g.Key.ChangeId, g.Key.Phase, Done = g.Count(r => r.Status == StepStatus.Succeeded), Total = g.Count() })
            .ToListAsync(ct))
            .GroupBy(p => p.ChangeId)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.Phase).First());
        return changes.Select(c =>
        {
            var p = progress.GetValueOrDefault(c.Id);
            return new ChangeSummary(
                c.Id, c.Title, ChangeViewText.Of(c.Status), ChangeViewText.Of(c.RiskLevel), c.RequestedBy, What(c), c.PipelineName,
                ApprovalPolicy.Count(c), c.RequiredApprovals,
                p?.Done ?? 0, p?.Total ?? c.Plan.Waves.Sum(w => w.Clusters.Count),
                c.CreatedAt, c.UpdatedAt, c.StatusReason) {
                SchedulerPolicy = c.SchedulerPolicyName, ProgressOfRollback = p?.Phase == RolloutPhase.Rollback, Authors = [c.RequestedBy, .. c.EditedBy],
            };
        }).ToList();
    }

    /// <summary>Changes awaiting a review that <paramref name="user"/> may give (the approval inbox).</summary>
    public async Task<IReadOnlyList<ChangeSummary>> InboxAsync(Actor user, CancellationToken ct = default) =>
        (await ListAsync(ChangeStatus.PendingApproval, 500, ct))
        .Where(c => !c.Authors.Contains(user.Name, StringComparer.OrdinalIgnoreCase))
        .ToList();

    public async Task<int> InboxCountAsync(Actor user, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var lower = user.Name.ToLowerInvariant();
        return await db.Changes.CountAsync(c => c.Status == ChangeStatus.PendingApproval && c.RequestedBy.ToLower() != lower
            && !c.EditedBy.Any(editor => editor.ToLower() == lower)
            && !c.Approvals.Any(a => a.Revision == c.Revision && a.Kind == ApprovalKind.Review && a.Approver.ToLower() == lower), ct);
    }

    public async Task<ChangeDetail?> GetAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var change = await db.Changes.AsNoTracking().Include(c => c.Approvals).SingleOrDefaultAsync(c => c.Id == id, ct);
        if (change is null) return null;
        var waves = await db.RolloutWaves.AsNoTracking().Where(w => w.ChangeId == id).ToListAsync(ct);
        var steps = await db.RolloutSteps.AsNoTracking().Where(s => s.ChangeId == id).ToListAsync(ct);
        // Until approval pins them, show what each cluster runs now: another change may have reached it since the proposal.
        if (change.Status == ChangeStatus.PendingApproval) await ChangePlanner.PinPreviousVersionsAsync(db, change, ct);
        var gates = await db.GateCalls.AsNoTracking().Where(c => c.ChangeId == id).OrderBy(c => c.Id).ToListAsync(ct);
        // The plan is frozen at the last approval: a cluster registered since is never swept in, and the page says so.
        var registeredSince = change.PlanFrozenAt is { } frozen
            ? await db.Clusters.AsNoTracking().Where(c => c.CreatedAt > frozen).OrderBy(c => c.Name).Select(c => c.Name).Take(50).ToListAsync(ct)
            : [];
        return ChangeDetails.Build(change, waves, steps, await DiffsAsync(db, change, ct), await FreezeAsync(change, waves, ct)) with
        {
            Gates = gates.Select(GateCallView.Of).ToList(),
            RegisteredSinceFrozen = registeredSince,
            WaitsForChanges = change.PlanFrozenAt is null ? await WaitsForChangesAsync(db, change, ct) : [],
        };
    }

    /// <summary>What a change not saved yet (a proposal being previewed) would show: its plan, risk, diffs and freezes.</summary>
    internal async Task<ChangeDetail> UnsavedAsync(PortalDbContext db, Change change, CancellationToken ct) =>
        ChangeDetails.Build(change, [], [], await DiffsAsync(db, change, ct), await FreezeAsync(change, [], ct));

    /// <summary>Before approval: the running or paused changes of the same component that still have work on clusters this one plans.</summary>
    private static async Task<IReadOnlyList<string>> WaitsForChangesAsync(PortalDbContext db, Change change, CancellationToken ct)
    {
        if (change.ComponentId is not { } componentId || ChangeLifecycle.IsEnded(change.Status)) return [];
        var planned = change.Plan.Waves.SelectMany(w => w.Clusters).Select(c => c.Name).ToList();
        var open = await db.Changes.AsNoTracking()
            .Where(c => c.ComponentId == componentId && c.Id != change.Id && (c.Status == ChangeStatus.Running || c.Status == ChangeStatus.Paused))
            .Select(c => new { c.Id, c.ComponentName, c.Version, c.PlanFrozenAt }).ToListAsync(ct);
        if (open.Count == 0) return [];
        var ids = open.Select(o => o.Id).ToList();
        var unfinished = await db.RolloutSteps.AsNoTracking()
            .Where(s => ids.Contains(s.ChangeId) && planned.Contains(s.ClusterName)
                && (s.Status == StepStatus.Pending || s.Status == StepStatus.Applying || s.Status == StepStatus.Converging))
            .Select(s => new { s.ChangeId, s.ClusterName }).ToListAsync(ct);
        return ComponentTurns.WaitsBeforeApproval(planned, open.Select(o => new ComponentChange(o.Id, $"{o.ComponentName} {o.Version}", o.PlanFrozenAt,
            unfinished.Where(u => u.ChangeId == o.Id).Select(u => u.ClusterName).ToList())));
    }

    /// <summary>
    /// What the change applies, against what the planned clusters run now: one diff per distinct current version (versions
    /// never change, so the pair decides the diff), never one per cluster.
    /// </summary>
    private static async Task<IReadOnlyList<PlanDiffView>> DiffsAsync(PortalDbContext db, Change change, CancellationToken ct)
    {
        var groups = CurrentVersionGroups.Of(change.Plan);
        if (groups.Count == 0) return [];
        if (change.VersionId is not { } targetId)
        {
            // Nothing records which ad-hoc manifests a cluster holds, so the portal cannot say what these replace.
            var allNew = ManifestDiff.Compare(null, change.Manifests);
            return [new PlanDiffView(CurrentVersionGroups.LabelOf(0), null, null, CurrentStateKnown: false,
                groups.SelectMany(g => g.Clusters).ToList(), allNew.ChangedObjects, allNew)];
        }
        var ids = groups.Select(g => g.VersionId).OfType<Guid>().Append(targetId).Distinct().ToList();
        var texts = await db.ComponentVersions.AsNoTracking().Where(v => ids.Contains(v.Id)).ToDictionaryAsync(v => v.Id, v => v.Manifests, ct);
        var target = texts.GetValueOrDefault(targetId);
        return groups.Select(g =>
        {
            var diff = ManifestDiff.Compare(g.VersionId is { } from ? texts.GetValueOrDefault(from) : null, target);
            return new PlanDiffView(g.Label, g.Version, change.Version, CurrentStateKnown: true, g.Clusters, diff.ChangedObjects, diff);
        }).ToList();
    }

    /// <summary>
    /// Whether a freeze holds the change's next wave now (the first wave before the rollout starts), and the earliest time it
    /// could start; null once the change has ended. Rolling back, only windows that block rollbacks count. The windows the
    /// change asks to run through do not count: it cannot start before an Admin grants that.
    /// </summary>
    private async Task<FreezeStatus?> FreezeAsync(Change change, IReadOnlyList<RolloutWave> waves, CancellationToken ct)
    {
        if (change.Status is not (ChangeStatus.PendingApproval or ChangeStatus.Approved or ChangeStatus.Running or ChangeStatus.Paused)) return null;
        if (change.RollingBack)
        {
            var touched = change.Plan.Waves.SelectMany(w => w.Clusters).Select(c => c.ClusterId).ToList();
            return FreezeStatus.Of(await freeze.EvaluateWaveAsync(touched, time.GetUtcNow(), FreezePurpose.Rollback, excused: change.RunThrough.WindowIds, ct: ct));
        }
        var done = waves.Where(w => w.Phase == RolloutPhase.Forward && w.Status is WaveStatus.Succeeded or WaveStatus.Skipped).Select(w => w.Index).ToHashSet();
        var next = change.Plan.Waves.Select((wave, index) => (wave, index)).FirstOrDefault(w => !done.Contains(w.index)).wave;
        if (next is null) return null;
        return FreezeStatus.Of(await freeze.EvaluateWaveAsync(next.Clusters.Select(c => c.ClusterId).ToList(), time.GetUtcNow(), FreezePurpose.Rollout,
            excused: change.RunThrough.WindowIds, ct: ct));
    }
}
