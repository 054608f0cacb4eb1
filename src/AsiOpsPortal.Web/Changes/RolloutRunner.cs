using System.Collections.Concurrent;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Kubernetes;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Clusters;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AsiOpsPortal.Web.Changes;

/// <summary>
/// Drives one change's rollout: asks <see cref="RolloutEngine"/> what to do, records it, and does the cluster work
/// (apply, then watch convergence). PostgreSQL holds all state; this class only moves it forward, so a runner that dies
/// anywhere can be replaced by another that carries on. While it runs it holds the change's advisory lock, so two
/// runners never drive one change.
/// </summary>
public sealed class RolloutRunner(
    IDbContextFactory<PortalDbContext> dbFactory,
    IConfiguration configuration,
    IClusterClient clusters,
    KubeconfigProtector protector,
    AuditLog audit,
    FleetNotifier notifier,
    RolloutScheduler scheduler,
    IOptions<PortalOptions> options,
    TimeProvider time,
    ILogger<RolloutRunner> log)
{
    /// <summary>First key of the two-key advisory lock a runner holds on its change.</summary>
    public const int LockSpace = 0x524F_4C4C; // "ROLL"
    public const string FieldManager = "asiops-portal";
    /// <summary>Stamped on every applied object: which step and attempt applied it, so a re-run can tell it already did.</summary>
    public const string StepAnnotation = "asiops.io/rollout-step";
    public const string ChangeAnnotation = "asiops.io/change";

    private readonly PortalOptions _options = options.Value;

    public async Task RunAsync(long changeId, CancellationToken ct)
    {
        await using var lockConnection = new NpgsqlConnection(configuration.PortalConnectionString());
        await lockConnection.OpenAsync(ct);
        if (!await TryLockAsync(lockConnection, changeId, ct)) return; // a live runner drives it already

        var run = new Run(changeId);
        var sliceEnds = time.GetUtcNow() + _options.RolloutJobSlice;
        while (!ct.IsCancellationRequested)
        {
            var next = await StepOnceAsync(run, ct);
            if (next is null) return;
            if (time.GetUtcNow() >= sliceEnds)
            {
                // Hand over to a fresh job: Hangfire jobs stay short, and the lock is released as this one ends.
                scheduler.Start(changeId);
                return;
            }
            if (next > TimeSpan.Zero) await Task.Delay(next.Value, time, ct);
        }
    }

    /// <summary>Remembers, for one runner's life, what it claimed itself, the manifests it parsed and where its clusters are.</summary>
    private sealed class Run(long changeId)
    {
        public long ChangeId { get; } = changeId;
        public HashSet<long> ClaimedHere { get; } = [];
        public ConcurrentDictionary<Guid, IReadOnlyList<ManifestObject>> Versions { get; } = new();
        public ConcurrentDictionary<Guid, ClusterTarget> Targets { get; } = new();
        public IReadOnlyList<ManifestObject>? Forward { get; set; }
    }

    /// <summary>One tick: decide, record, do the cluster work. Returns how long to wait before the next tick, or null when done.</summary>
    private async Task<TimeSpan?> StepOnceAsync(Run run, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        RolloutTick tick;
        Change change;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            change = await db.Changes.SingleAsync(c => c.Id == run.ChangeId, ct);
            if (change.Status != ChangeStatus.Running) return null;
            var phase = change.RollingBack ? RolloutPhase.Rollback : RolloutPhase.Forward;
            var waves = await db.RolloutWaves.Where(w => w.ChangeId == run.ChangeId && w.Phase == phase).OrderBy(w => w.Index).ToListAsync(ct);
            var steps = await db.RolloutSteps.Where(s => s.ChangeId == run.ChangeId && s.Phase == phase).ToListAsync(ct);
            tick = RolloutEngine.Next(Snapshot(change, phase, waves, steps), now);
            if (!tick.ChangesState && tick.Work.Count == 0)
                return tick.WakeAt is { } wake ? Min(wake - now, _options.RolloutPollInterval) : _options.RolloutPollInterval;

            await using var tx = await db.Database.BeginTransactionAsync(ct);
            foreach (var (index, status) in tick.WaveChanges)
            {
                var wave = waves.Single(w => w.Index == index);
                wave.Status = status;
                if (status == WaveStatus.Running) wave.StartedAt = now;
                if (status == WaveStatus.Soaking) wave.ConvergedAt = now;
                if (status == WaveStatus.Succeeded) { wave.ConvergedAt ??= now; wave.FinishedAt = now; }
                await audit.AppendAsync(db, RolloutActor, AuditActions.ChangeWave, ChangeService.Target(change), $"{phase} wave '{wave.Name}' {status}", ct: ct);
            }
            foreach (var step in steps.Where(s => tick.Start.Contains(s.Id)))
            {
                step.Status = StepStatus.Applying;
                step.Attempts++;
                step.StartedAt = now;
                step.AppliedAt = null;
                step.FinishedAt = null;
                step.Detail = "applying";
                run.ClaimedHere.Add(step.Id);
            }
            foreach (var step in steps.Where(s => tick.TimedOut.Contains(s.Id)))
            {
                var deadline = Settings(change, phase, step.Wave).ProgressDeadlineSeconds;
                step.Status = StepStatus.Failed;
                step.FinishedAt = now;
                step.Error = $"did not converge within {deadline} s" + (step.Detail is { Length: > 0 } d ? $" ({d})" : "");
            }
            var finished = await ApplyOutcomeAsync(db, change, phase, tick.Outcome, steps, now, ct);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                // A person acted on the change meanwhile (pause, abort): look again.
                return TimeSpan.Zero;
            }
            await tx.CommitAsync(ct);
            if (tick.ChangesState) await notifier.PublishChangeAsync(run.ChangeId, ct);
            if (finished) return null;
        }

        if (tick.Work.Count > 0)
        {
            var finished = await Task.WhenAll(tick.Work.Select(id => WorkAsync(run, change, id, ct)));
            await notifier.PublishChangeAsync(run.ChangeId, ct);
            // A cluster that just finished may free a slot or end its wave: decide again at once rather than after a poll.
            return finished.Any(f => f) ? TimeSpan.Zero : _options.RolloutPollInterval;
        }
        return TimeSpan.Zero;
    }

    private const string RolloutActor = "rollout";

    private async Task<bool> ApplyOutcomeAsync(PortalDbContext db, Change change, RolloutPhase phase, RolloutOutcome outcome, List<RolloutStep> steps, DateTimeOffset now, CancellationToken ct)
    {
        switch (outcome)
        {
            case RolloutOutcome.Pause pause:
                change.Status = ChangeLifecycle.After(change.Status, ChangeAction.Pause);
                change.StatusReason = pause.Reason;
                change.UpdatedAt = now;
                await audit.AppendAsync(db, RolloutActor, AuditActions.ChangePaused, ChangeService.Target(change), pause.Reason, succeeded: false, ct: ct);
                return true;
            case RolloutOutcome.Finish finish:
                change.Status = (phase, finish.AllSucceeded) switch
                {
                    (RolloutPhase.Rollback, true) => ChangeStatus.RolledBack,
                    (RolloutPhase.Forward, true) => ChangeStatus.Succeeded,
                    _ => ChangeStatus.Failed,
                };
                change.StatusReason = finish.Reason;
                change.RollingBack = false;
                change.FinishedAt = now;
                change.UpdatedAt = now;
                await audit.AppendAsync(db, RolloutActor, AuditActions.ChangeFinished, ChangeService.Target(change),
                    $"{change.Status}: {finish.Reason}", succeeded: finish.AllSucceeded, ct: ct);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Moves one step forward: apply it (once), then check whether its workloads converged. True when the step finished.</summary>
    private async Task<bool> WorkAsync(Run run, Change change, long stepId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var step = await db.RolloutSteps.SingleAsync(s => s.Id == stepId, ct);
        if (step.Status is not (StepStatus.Applying or StepStatus.Converging)) return true;
        try
        {
            var target = await TargetAsync(db, run, step, ct);
            var (objects, remove) = await DesiredAsync(db, run, change, step, ct);
            if (step.Status == StepStatus.Applying)
            {
                if (remove) await RemoveAsync(target, objects, ct);
                else await ApplyOnceAsync(run, change, step, target, objects, ct);
                step.Status = StepStatus.Converging;
                step.AppliedAt = time.GetUtcNow();
                step.Detail = remove ? "removed" : "applied; waiting for workloads";
            }
            if (step.Status == StepStatus.Converging)
            {
                var waiting = remove ? null : await FirstUnconvergedAsync(target, objects, ct);
                step.Detail = waiting ?? (remove ? "removed (no earlier version to restore)" : $"{objects.Count(o => ConvergenceRules.IsWorkload(o.Kind))} workloads converged");
                if (waiting is null)
                {
                    step.Status = StepStatus.Succeeded;
                    step.FinishedAt = time.GetUtcNow();
                    await RecordReleaseAsync(db, change, step, ct);
                }
            }
        }
        catch (Exception e) when (e is ClusterCallException or ManifestException && !ct.IsCancellationRequested)
        {
            if (step.Status == StepStatus.Converging)
            {
                // A cluster that stops answering while converging gets until its deadline, like a slow rollout.
                step.Detail = $"cluster not answering: {e.Message}";
            }
            else
            {
                step.Status = StepStatus.Failed;
                step.FinishedAt = time.GetUtcNow();
                step.Error = e.Message;
            }
        }
        await db.SaveChangesAsync(ct);
        return step.Status is StepStatus.Succeeded or StepStatus.Failed;
    }

    /// <summary>Where a step's cluster is, read and decrypted once per runner rather than on every convergence poll.</summary>
    private async Task<ClusterTarget> TargetAsync(PortalDbContext db, Run run, RolloutStep step, CancellationToken ct)
    {
        if (run.Targets.TryGetValue(step.ClusterId, out var cached)) return cached;
        var cluster = await db.Clusters.AsNoTracking().SingleOrDefaultAsync(c => c.Id == step.ClusterId, ct)
            ?? throw new ClusterCallException(ClusterFailure.Unreachable, $"{step.ClusterName} was removed from the registry.");
        return run.Targets[step.ClusterId] = new ClusterTarget(cluster.Id, cluster.Name, protector.Unprotect(cluster.EncryptedKubeconfig), cluster.KubeconfigContext);
    }

    /// <summary>
    /// Server-side apply, stamped with the step and attempt. A step this runner did not claim itself was left half-done
    /// by a runner that died: objects already carrying this attempt's stamp are not applied again.
    /// </summary>
    private async Task ApplyOnceAsync(Run run, Change change, RolloutStep step, ClusterTarget target, IReadOnlyList<ManifestObject> objects, CancellationToken ct)
    {
        var stamp = $"{change.Id}/{step.Phase}/{step.Id}/{step.Attempts}";
        var toApply = objects;
        if (!run.ClaimedHere.Contains(step.Id))
        {
            var missing = new List<ManifestObject>();
            foreach (var o in objects)
            {
                var live = await clusters.GetObjectAsync(target, o.Ref, ct);
                if (live is null || !live.Annotations.TryGetValue(StepAnnotation, out var seen) || seen != stamp) missing.Add(o);
            }
            toApply = missing;
            log.LogInformation("Change {ChangeId}: resuming step on {Cluster}; {Applied} of {Total} objects were already applied",
                change.Id, step.ClusterName, objects.Count - missing.Count, objects.Count);
        }
        if (toApply.Count == 0) return;
        await clusters.ApplyAsync(target, toApply, FieldManager,
            new Dictionary<string, string> { [StepAnnotation] = stamp, [ChangeAnnotation] = change.Id.ToString() }, ct);
    }

    private async Task RemoveAsync(ClusterTarget target, IReadOnlyList<ManifestObject> objects, CancellationToken ct)
    {
        // Workloads first, namespaces last: the reverse of the apply order.
        foreach (var o in objects.Reverse()) await clusters.DeleteObjectAsync(target, o.Ref, ct);
    }

    /// <summary>Null when every workload converged; otherwise what the first one still waits for.</summary>
    private async Task<string?> FirstUnconvergedAsync(ClusterTarget target, IReadOnlyList<ManifestObject> objects, CancellationToken ct)
    {
        foreach (var o in objects.Where(o => ConvergenceRules.IsWorkload(o.Kind)))
        {
            var convergence = ConvergenceRules.Evaluate(await clusters.GetObjectAsync(target, o.Ref, ct));
            if (!convergence.Done) return $"{o.Kind} {o.Name}: {convergence.Summary}";
        }
        return null;
    }

    /// <summary>The objects a step puts on its cluster, and whether it removes them instead (rollback with no earlier version).</summary>
    private async Task<(IReadOnlyList<ManifestObject> Objects, bool Remove)> DesiredAsync(PortalDbContext db, Run run, Change change, RolloutStep step, CancellationToken ct)
    {
        run.Forward ??= await ParseAsync(db, change, change.VersionId, ct);
        if (step.Phase == RolloutPhase.Forward) return (run.Forward, false);
        var previous = change.Plan.Waves.SelectMany(w => w.Clusters).FirstOrDefault(c => c.ClusterId == step.ClusterId)?.PreviousVersionId;
        if (previous is not { } versionId) return (run.Forward, true);
        if (!run.Versions.TryGetValue(versionId, out var objects))
            run.Versions[versionId] = objects = await ParseAsync(db, change, versionId, ct);
        return (objects, false);
    }

    private static async Task<IReadOnlyList<ManifestObject>> ParseAsync(PortalDbContext db, Change change, Guid? versionId, CancellationToken ct)
    {
        var yaml = versionId is { } id
            ? await db.ComponentVersions.Where(v => v.Id == id).Select(v => v.Manifests).SingleAsync(ct)
            : change.Manifests ?? "";
        return Manifests.InApplyOrder(Manifests.Parse(yaml).Select(o => o.WithNamespace(change.Namespace)));
    }

    /// <summary>Which version the cluster runs now: the new one after a rollout step, the pinned one (or none) after a rollback.</summary>
    private static async Task RecordReleaseAsync(PortalDbContext db, Change change, RolloutStep step, CancellationToken ct)
    {
        if (change.ComponentId is not { } componentId) return;
        var planned = change.Plan.Waves.SelectMany(w => w.Clusters).First(c => c.ClusterId == step.ClusterId);
        var (versionId, version) = step.Phase == RolloutPhase.Forward
            ? (change.VersionId, change.Version)
            : (planned.PreviousVersionId, planned.PreviousVersion);
        var release = await db.ClusterReleases.SingleOrDefaultAsync(r => r.ClusterId == step.ClusterId && r.ComponentId == componentId, ct);
        if (versionId is null || version is null)
        {
            if (release is not null) db.ClusterReleases.Remove(release);
            return;
        }
        if (release is null) db.ClusterReleases.Add(release = new ClusterRelease { ClusterId = step.ClusterId, ComponentId = componentId, Version = version });
        release.VersionId = versionId.Value;
        release.Version = version;
        release.ChangeId = change.Id;
        release.AppliedAt = step.FinishedAt ?? DateTimeOffset.UtcNow;
        release.Drift = null;
    }

    private static RolloutSnapshot Snapshot(Change change, RolloutPhase phase, List<RolloutWave> waves, List<RolloutStep> steps) => new(
        phase,
        waves.Select(w => new WaveState(w.Index, w.Name, w.Status, Settings(change, phase, w.Index), w.ConvergedAt)).ToList(),
        steps.Select(s => new StepState(s.Id, s.Wave, s.Position, s.ClusterName, s.Status, s.StartedAt, s.Error)).ToList());

    /// <summary>A forward wave runs as planned; the rollback wave goes as wide and waits as long as the widest planned wave, and never pauses.</summary>
    private static WaveSettings Settings(Change change, RolloutPhase phase, int index)
    {
        if (phase == RolloutPhase.Forward)
        {
            var w = change.Plan.Waves[index];
            return new WaveSettings(w.MaxConcurrency, w.MinSuccessSeconds, w.ProgressDeadlineSeconds, FailureBudget.Parse(w.MaxFailures), w.Canary);
        }
        var waves = change.Plan.Waves;
        return new WaveSettings(
            Math.Max(1, waves.Select(w => w.MaxConcurrency).DefaultIfEmpty(1).Max()), 0,
            waves.Select(w => w.ProgressDeadlineSeconds).DefaultIfEmpty(600).Max(), FailureBudget.None, Canary: false, PausesOnFailure: false);
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, long changeId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@space, @id)", connection);
        command.Parameters.AddWithValue("space", LockSpace);
        command.Parameters.AddWithValue("id", (int)changeId);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a < TimeSpan.Zero ? TimeSpan.Zero : a) : b;
}
