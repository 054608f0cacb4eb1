using System.Collections.Concurrent;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Gates;
using AsiOpsPortal.Core.Freeze;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Kubernetes;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Clusters;
using AsiOpsPortal.Web.Gates;
using AsiOpsPortal.Web.Freeze;
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
    GateKeeper gates,
    FreezeService freeze,
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

    /// <summary>However far a freeze's end lies, a parked rollout looks again at least this often.</summary>
    private static readonly TimeSpan LongestPark = TimeSpan.FromMinutes(5);

    public async Task RunAsync(long changeId, CancellationToken ct)
    {
        var lockConnection = new NpgsqlConnection(configuration.PortalConnectionString());
        DateTimeOffset? goOnAt = null;
        try
        {
            await lockConnection.OpenAsync(ct);
            if (!await TryLockAsync(lockConnection, changeId, ct)) return; // a live runner drives it already
            goOnAt = await DriveAsync(changeId, ct);
        }
        finally
        {
            // Closing the connection releases the lock; only then may the next job take it.
            await lockConnection.DisposeAsync();
        }
        if (goOnAt is not { } at) return;
        if (at <= time.GetUtcNow()) scheduler.Start(changeId);
        else scheduler.StartAt(changeId, at);
    }

    /// <summary>
    /// Ticks until the rollout stops running (null), the job's slice runs out (now: a fresh job goes on at once), or a long
    /// freeze holds it with nothing in flight (when the freeze lets go: the change is parked till then).
    /// </summary>
    private async Task<DateTimeOffset?> DriveAsync(long changeId, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = new Run(changeId, stop.Token);
        var sliceEnds = time.GetUtcNow() + _options.RolloutJobSlice;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var next = await StepOnceAsync(run, ct);
                if (next is null) return null;
                var now = time.GetUtcNow();
                if (run.HeldUntil is { } held && held - now >= _options.RolloutParkAfter && run.InFlight.Count == 0)
                    return await ParkAsync(changeId, Min(held, now + LongestPark), ct);
                // Hangfire jobs stay short: past its slice, this one lets go and a fresh job carries on.
                if (now >= sliceEnds) return now;
                if (await run.WaitAsync(next.Value, time, ct)) await notifier.PublishChangeAsync(changeId, ct);
            }
            return null;
        }
        finally
        {
            // Cluster work still in flight only waits or watches; the next runner picks its steps up from their rows.
            await stop.CancelAsync();
            await run.DrainAsync();
        }
    }

    /// <summary>
    /// What one runner remembers while it lives: the steps it claimed itself, the manifests it parsed, where its clusters
    /// are, and the cluster work in flight (a step's apply and its watch for convergence), one task per step.
    /// </summary>
    private sealed class Run(long changeId, CancellationToken stopping)
    {
        public long ChangeId { get; } = changeId;
        public CancellationToken Stopping { get; } = stopping;
        public HashSet<long> ClaimedHere { get; } = [];
        public ConcurrentDictionary<Guid, IReadOnlyList<ManifestObject>> Versions { get; } = new();
        public ConcurrentDictionary<Guid, ClusterTarget> Targets { get; } = new();
        public IReadOnlyList<ManifestObject>? Forward { get; set; }
        public Dictionary<long, Task<bool>> InFlight { get; } = [];
        /// <summary>Set while a freeze holds the rollout and nothing else is due: when the freeze lets go, as far as known.</summary>
        public DateTimeOffset? HeldUntil { get; set; }

        /// <summary>Waits <paramref name="delay"/>, or less when a step's work ends first; true when some step finished.</summary>
        public async Task<bool> WaitAsync(TimeSpan delay, TimeProvider time, CancellationToken ct)
        {
            using var early = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var timer = delay > TimeSpan.Zero ? Task.Delay(delay, time, early.Token) : Task.CompletedTask;
            if (InFlight.Count > 0) await Task.WhenAny(InFlight.Values.Append(timer));
            else await timer.ContinueWith(_ => { }, TaskScheduler.Default);
            await early.CancelAsync();
            ct.ThrowIfCancellationRequested();

            var finished = false;
            foreach (var (stepId, work) in InFlight.Where(w => w.Value.IsCompleted).ToList())
            {
                InFlight.Remove(stepId);
                finished |= await work; // a failure other than a cluster's fails the job, and Hangfire retries it
            }
            return finished;
        }

        /// <summary>Waits for the cancelled work to stop; how it stopped no longer matters, its step's row says where it got.</summary>
        public async Task DrainAsync()
        {
            foreach (var work in InFlight.Values)
            {
                try { await work; }
                catch (Exception) when (Stopping.IsCancellationRequested) { }
            }
            InFlight.Clear();
        }
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
            var frozen = await FrozenAsync(change, phase, waves, steps, now, ct);
            tick = RolloutEngine.Next(Snapshot(change, phase, waves, steps) with { Frozen = frozen }, now);
            if (phase == RolloutPhase.Forward && await GatesRefuseAsync(change, tick, ct) is { } refusal) tick = RolloutTick.Pausing(refusal);
            // A freeze whose end is not known (outside every allow window, none opening soon) is looked at again in a while.
            run.HeldUntil = tick is { WaitingFor: not null, ChangesState: false, Work.Count: 0 } ? tick.WakeAt ?? DateTimeOffset.MaxValue : null;
            if (tick.WaitingFor != change.WaitingFor && !await RecordWaitingAsync(db, change, tick.WaitingFor, now, ct)) return TimeSpan.Zero;
            if (tick.ChangesState)
            {
                switch (await RecordAsync(db, run, change, phase, tick, waves, steps, now, ct))
                {
                    case Recorded.Finished: return null;
                    case Recorded.Raced: return TimeSpan.Zero; // a person (pause, abort) or a step's work wrote meanwhile: look again
                }
            }
        }

        // Each step's work runs on while the runner keeps deciding; a step that finishes wakes it at once.
        foreach (var stepId in tick.Work.Where(id => !run.InFlight.ContainsKey(id)))
            run.InFlight[stepId] = WorkAsync(run, change, stepId, run.Stopping);
        if (tick.ChangesState && tick.Work.Count == 0) return TimeSpan.Zero; // a wave moved on: decide the next move now
        return tick.WakeAt is { } wake ? Min(wake - now, _options.RolloutPollInterval) : _options.RolloutPollInterval;
    }

    /// <summary>
    /// The gates at the points this tick would pass: before a wave starts (and, before the first, the change's own) and
    /// after a wave succeeds. Null when all agree. Rollbacks ask no gate: undoing must not wait on outside systems.
    /// </summary>
    private async Task<string?> GatesRefuseAsync(Change change, RolloutTick tick, CancellationToken ct)
    {
        foreach (var (index, status) in tick.WaveChanges)
        {
            var refusal = status switch
            {
                WaveStatus.Running => (index == 0 ? await gates.CheckAsync(change, GateStage.BeforeChange, null, ct) : null)
                    ?? await gates.CheckAsync(change, GateStage.BeforeWave, index, ct),
                WaveStatus.Succeeded => await gates.CheckAsync(change, GateStage.AfterWave, index, ct),
                _ => null,
            };
            if (refusal is not null) return refusal;
        }
        return null;
    }

    /// <summary>
    /// The clusters of the current wave that have not started and that a freeze holds now. Only windows that block rollbacks
    /// hold a rollback; the windows the change was granted to run through hold nothing.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, FrozenCluster>> FrozenAsync(Change change, RolloutPhase phase, List<RolloutWave> waves,
        List<RolloutStep> steps, DateTimeOffset now, CancellationToken ct)
    {
        var current = waves.FirstOrDefault(w => w.Status is WaveStatus.Pending or WaveStatus.Running);
        var pending = current is null ? [] : steps.Where(s => s.Wave == current.Index && s.Status == StepStatus.Pending).Select(s => s.ClusterId).ToList();
        if (pending.Count == 0) return new Dictionary<string, FrozenCluster>();
        var verdict = await freeze.EvaluateWaveAsync(pending, now, phase == RolloutPhase.Rollback ? FreezePurpose.Rollback : FreezePurpose.Rollout,
            findNextOpen: false, change.RunThrough.WindowIds, ct);
        // The holding window's end is when to look again; the engine only uses it to wake up.
        return verdict.FrozenClusters.ToDictionary(c => c.Cluster, c => new FrozenCluster(c.Verdict.Describe(), c.Verdict.Until));
    }

    /// <summary>
    /// Lets the worker go while a freeze holds the rollout: the watchdog leaves the change alone until <paramref name="until"/>,
    /// when a scheduled job looks again. Null (nothing to schedule) when the change stopped running meanwhile.
    /// </summary>
    private async Task<DateTimeOffset?> ParkAsync(long changeId, DateTimeOffset until, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var parked = await db.Changes.Where(c => c.Id == changeId && c.Status == ChangeStatus.Running)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.ParkedUntil, until), ct);
        if (parked == 0) return null;
        log.LogInformation("Rollout of change {ChangeId} waits on a freeze; no worker holds it until {Until:O}", changeId, until);
        return until;
    }

    /// <summary>Records that the rollout started or stopped waiting on a freeze; false when someone else wrote the change first.</summary>
    private async Task<bool> RecordWaitingAsync(PortalDbContext db, Change change, string? waitingFor, DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        change.WaitingFor = waitingFor;
        change.UpdatedAt = now;
        await audit.AppendAsync(db, RolloutActor, AuditActions.ChangeWaiting, ChangeService.Target(change),
            waitingFor ?? "no freeze window holds the rollout any more; it carries on", ct: ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return false;
        }
        await tx.CommitAsync(ct);
        await notifier.PublishChangeAsync(change.Id, ct);
        return true;
    }

    private enum Recorded { Saved, Raced, Finished }

    /// <summary>Stores what the tick decided, in one transaction, unless someone else wrote to the same rows first.</summary>
    private async Task<Recorded> RecordAsync(PortalDbContext db, Run run, Change change, RolloutPhase phase, RolloutTick tick,
        List<RolloutWave> waves, List<RolloutStep> steps, DateTimeOffset now, CancellationToken ct)
    {
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
            return Recorded.Raced;
        }
        await tx.CommitAsync(ct);
        await notifier.PublishChangeAsync(run.ChangeId, ct);
        return finished ? Recorded.Finished : Recorded.Saved;
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
                change.WaitingFor = null;
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

    /// <summary>
    /// Moves one step forward: apply it (once), then watch its workloads until they converge, the step's deadline nears,
    /// or <see cref="WatchWindow"/> passes. True when the step finished (or someone else moved it meanwhile).
    /// </summary>
    private async Task<bool> WorkAsync(Run run, Change change, long stepId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var step = await db.RolloutSteps.SingleAsync(s => s.Id == stepId, ct);
        if (step.Status is not (StepStatus.Applying or StepStatus.Converging)) return true;
        try
        {
            await AdvanceAsync(db, run, change, step, ct);
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // The runner failed the step at its deadline, or a person stopped the change, while we watched: theirs stands.
            return true;
        }
        return step.Status is StepStatus.Succeeded or StepStatus.Failed;
    }

    /// <summary>How long one watch for convergence runs before the step's progress is written down and the watch renewed.</summary>
    private static readonly TimeSpan WatchWindow = TimeSpan.FromSeconds(10);

    private async Task AdvanceAsync(PortalDbContext db, Run run, Change change, RolloutStep step, CancellationToken ct)
    {
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
                await db.SaveChangesAsync(ct); // shown while we wait, and never applied twice by this runner
            }
            if (remove)
            {
                Succeed(step, "removed (no earlier version to restore)");
                await RecordReleaseAsync(db, change, step, ct); // the cluster runs nothing of the component now
                return;
            }
            var deadline = step.StartedAt!.Value.AddSeconds(Settings(change, step.Phase, step.Wave).ProgressDeadlineSeconds);
            var window = Clamp(deadline - time.GetUtcNow(), TimeSpan.FromSeconds(1), WatchWindow);
            if (await FirstUnconvergedAsync(target, objects, window, ct) is { } waiting) step.Detail = waiting;
            else
            {
                Succeed(step, $"{objects.Count(o => ConvergenceRules.IsWorkload(o.Kind))} workloads converged");
                await RecordReleaseAsync(db, change, step, ct);
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
    }

    private void Succeed(RolloutStep step, string detail)
    {
        step.Status = StepStatus.Succeeded;
        step.FinishedAt = time.GetUtcNow();
        step.Detail = detail;
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

    /// <summary>Null when every workload converged within <paramref name="window"/>; otherwise what the first one still waits for.</summary>
    private async Task<string?> FirstUnconvergedAsync(ClusterTarget target, IReadOnlyList<ManifestObject> objects, TimeSpan window, CancellationToken ct)
    {
        var until = time.GetUtcNow() + window;
        foreach (var o in objects.Where(o => ConvergenceRules.IsWorkload(o.Kind)))
        {
            var left = until - time.GetUtcNow();
            var live = left > TimeSpan.Zero
                ? await clusters.WatchObjectAsync(target, o.Ref, l => ConvergenceRules.Evaluate(l).Done, left, ct)
                : await clusters.GetObjectAsync(target, o.Ref, ct);
            var convergence = ConvergenceRules.Evaluate(live);
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

    /// <summary>
    /// A forward wave runs as planned; a rollback wave as the rollback planned it when it started (see RollbackPlanner). A
    /// rollback wave never pauses itself on failures: it tries every cluster, since stopping would leave more of them on
    /// the version being undone; a person can still pause or abort it. Rollbacks started before their pacing was
    /// recorded run as one wave as wide as the widest planned wave.
    /// </summary>
    private static WaveSettings Settings(Change change, RolloutPhase phase, int index)
    {
        if (phase == RolloutPhase.Forward)
        {
            var w = change.Plan.Waves[index];
            return new WaveSettings(w.MaxConcurrency, w.MinSuccessSeconds, w.ProgressDeadlineSeconds, FailureBudget.Parse(w.MaxFailures), w.Canary);
        }
        if (index < change.Plan.Rollback.Count)
        {
            var r = change.Plan.Rollback[index];
            return new WaveSettings(Math.Max(1, r.MaxConcurrency), r.MinSuccessSeconds, r.ProgressDeadlineSeconds, FailureBudget.None, Canary: false, PausesOnFailure: false);
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

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => Clamp(a, TimeSpan.Zero, b);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;
}
