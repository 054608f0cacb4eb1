using System.Collections.Concurrent;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.Core.Gates;
using AsiOpsPortal.Core.Freeze;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Kubernetes;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Clusters;
using AsiOpsPortal.Web.Defender;
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
    ClusterTargets targets,
    AuditedWrite write,
    LiveUpdates liveUpdates,
    RolloutQueue rolloutQueue,
    RolloutWakeups wakeups,
    GateChecks gates,
    FreezeService freeze,
    DefenderStore defender,
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

    /// <summary>
    /// A rollout waiting for another change's turn is woken when that change finishes a step or stops; it also looks again
    /// this often, in case the other was stopped by a person while no runner of it was there to say so.
    /// </summary>
    private static readonly TimeSpan LongestTurnWait = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How a job ends: a fresh job goes on at <paramref name="At"/> (scheduled when later than now); or, with steps to watch
    /// in <paramref name="WakeOn"/>, when the first of them is done waiting (<see cref="RolloutWakeups"/>).
    /// </summary>
    private sealed record GoOn(DateTimeOffset At, IReadOnlyList<StepWatch> WakeOn);

    public async Task RunAsync(long changeId, CancellationToken ct)
    {
        var lockConnection = new NpgsqlConnection(configuration.PortalConnectionString());
        GoOn? goOn = null;
        var locked = false;
        try
        {
            await lockConnection.OpenAsync(ct);
            if (!(locked = await AdvisoryLockAsync(lockConnection, "SELECT pg_try_advisory_lock(@space, @id)", changeId, ct))) return; // a live runner drives it already
            goOn = await DriveAsync(changeId, ct);
        }
        finally
        {
            // Closing a pooled connection keeps its session, and the lock with it, until the pool hands the connection out
            // again: unlock first, or the next job (a wake-up) finds the change locked and the watchdog thinks it driven.
            if (locked) await UnlockAsync(lockConnection, changeId);
            await lockConnection.DisposeAsync();
        }
        if (goOn is null) return;
        if (goOn.WakeOn.Count > 0)
        {
            // The watch wakes it (at the step's deadline at the latest); should this process die, the watchdog does.
            wakeups.WakeWhenConverged(changeId, goOn.WakeOn);
            return;
        }
        // Woken at the decision itself, not before: a job woken early would hold its worker till then, and at a soak's end
        // hundreds of rollouts wake together. The scheduler's poll makes it up to SchedulePollingInterval late instead.
        if (goOn.At <= time.GetUtcNow()) rolloutQueue.Start(changeId);
        else rolloutQueue.StartAt(changeId, goOn.At);
    }

    /// <summary>
    /// Ticks until the rollout stops running (null); or lets its worker go: when its slice runs out (a fresh job goes on at
    /// once), when nothing is in flight and its next decision (a soak's end, a freeze's end, another change's turn) is far
    /// enough away (parked till then), or when its clusters' work has held the worker long enough and only watches remain
    /// (parked till the first step's deadline, woken sooner by <see cref="RolloutWakeups"/> when a step converges).
    /// </summary>
    private async Task<GoOn?> DriveAsync(long changeId, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = new Run(changeId, stop.Token);
        var sliceEnds = time.GetUtcNow() + _options.RolloutJobSlice;
        try
        {
            if (!await TakeParkedAsync(changeId, ct)) return null;
            while (!ct.IsCancellationRequested)
            {
                var next = await StepOnceAsync(run, ct);
                if (next is null)
                {
                    await WakeTurnWaitersAsync(run, ct);
                    return null;
                }
                var now = time.GetUtcNow();
                if (run.NextDecisionAt is { } decision && decision - now >= _options.RolloutParkAfter && run.InFlight.Count == 0)
                {
                    var until = Min(decision, now + (run.WaitsForTurn ? LongestTurnWait : LongestPark));
                    return await ParkAsync(changeId, until, run.WaitsForTurn ? "another change's turn" : "a soak or a freeze", ct) is { } parked
                        ? new GoOn(parked, []) : null;
                }
                if (run.OnlyWatching(now - _options.RolloutWorkHold)) return await HandOverAsync(run, ct);
                // Hangfire jobs stay short: past its slice, this one lets go and a fresh job carries on.
                if (now >= sliceEnds) return new GoOn(now, []);
                if (await run.WaitAsync(next.Value, time, ct))
                {
                    await liveUpdates.PublishChangeAsync(changeId, ct);
                    await WakeTurnWaitersAsync(run, ct);
                }
                // A step started watching meanwhile and none finished: a tick would decide nothing new, so let go at once.
                else if (run.OnlyWatching(time.GetUtcNow() - _options.RolloutWorkHold)) return await HandOverAsync(run, ct);
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
    /// Lets the worker go while every step in flight only waits for its workloads: parked till the first step's deadline,
    /// woken sooner by <see cref="RolloutWakeups"/> when a step converges.
    /// </summary>
    private async Task<GoOn?> HandOverAsync(Run run, CancellationToken ct)
    {
        var watches = run.InFlight.Keys.Select(id => run.Watching[id]).ToList();
        var until = watches.Min(w => w.Deadline) + TimeSpan.FromSeconds(1);
        return await ParkAsync(run.ChangeId, until, "its clusters' workloads to converge", ct) is { } parked ? new GoOn(parked, watches) : null;
    }

    /// <summary>
    /// False when the change is parked till later than this job's due time: a scheduled wake-up overtaken by an earlier one
    /// (the rollout has parked again since, with a job of its own), which lets that one go on. Otherwise the change is no
    /// longer parked: should this job die, the watchdog restarts it at once. Whoever wakes a parked rollout early marks it
    /// due first (<see cref="MarkDueAsync"/>).
    /// </summary>
    private async Task<bool> TakeParkedAsync(long changeId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var parkedUntil = await db.Changes.Where(c => c.Id == changeId).Select(c => c.ParkedUntil).SingleOrDefaultAsync(ct);
        if (parkedUntil is not { } until) return true;
        if (until - time.GetUtcNow() > 2 * HangfireExtensions.SchedulePollingInterval) return false;
        await db.Changes.Where(c => c.Id == changeId && c.ParkedUntil != null)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.ParkedUntil, (DateTimeOffset?)null), ct);
        return true;
    }

    /// <summary>
    /// Marks parked changes due now, just before their job is enqueued: the job does not take itself for an overtaken
    /// wake-up, and the watchdog gives it its usual grace to be picked up before it starts another.
    /// </summary>
    public static Task<int> MarkDueAsync(PortalDbContext db, IReadOnlyCollection<long> changeIds, DateTimeOffset now, CancellationToken ct) =>
        db.Changes.Where(c => changeIds.Contains(c.Id) && c.ParkedUntil != null)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.ParkedUntil, now), ct);

    /// <summary>
    /// This change finished a step or stopped running: the parked changes of its component that wait for a turn look again
    /// now rather than at their next recheck.
    /// </summary>
    private async Task WakeTurnWaitersAsync(Run run, CancellationToken ct)
    {
        if (run.ComponentId is not { } componentId) return;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var waiting = await db.Changes.Where(c => c.ComponentId == componentId && c.Id != run.ChangeId && c.Status == ChangeStatus.Running
                && c.ParkedUntil != null && c.WaitingFor != null)
            .Select(c => c.Id).ToListAsync(ct);
        if (waiting.Count == 0) return;
        await MarkDueAsync(db, waiting, time.GetUtcNow(), ct);
        foreach (var id in waiting) rolloutQueue.Start(id);
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
        /// <summary>Steps whose work has applied and now only watches for convergence: what to watch once this job lets go.</summary>
        public ConcurrentDictionary<long, StepWatch> Watching { get; } = new();
        public Guid? ComponentId { get; set; }
        /// <summary>
        /// Set while nothing is due but waiting: when the rollout decides next (a soak's end, a freeze's end), as far as known;
        /// the largest value when not known (a freeze with no known end, another change's turn).
        /// </summary>
        public DateTimeOffset? NextDecisionAt { get; set; }
        /// <summary>Whether what it waits for is, at least in part, another change of its component finishing on a cluster.</summary>
        public bool WaitsForTurn { get; set; }

        /// <summary>
        /// Whether every step in flight has applied and watched since <paramref name="before"/> at the latest, so letting the
        /// worker go cuts no apply short, nor a watch that would have answered "converged" at once.
        /// </summary>
        public bool OnlyWatching(DateTimeOffset before) =>
            InFlight.Count > 0 && InFlight.Keys.All(id => Watching.TryGetValue(id, out var w) && w.Since <= before);

        private TaskCompletionSource _watchStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>A step applied and now watches: the runner may let its worker go without waiting for its next poll.</summary>
        public void StartWatching(long stepId, StepWatch watch)
        {
            Watching[stepId] = watch;
            _watchStarted.TrySetResult();
        }

        /// <summary>Waits <paramref name="delay"/>, or less when a step's work ends first; true when some step finished.</summary>
        public async Task<bool> WaitAsync(TimeSpan delay, TimeProvider time, CancellationToken ct)
        {
            using var early = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var timer = delay > TimeSpan.Zero ? Task.Delay(delay, time, early.Token) : Task.CompletedTask;
            if (InFlight.Count > 0 && !InFlight.Keys.All(Watching.ContainsKey)) await Task.WhenAny(InFlight.Values.Append(timer).Append(_watchStarted.Task));
            else if (InFlight.Count > 0) await Task.WhenAny(InFlight.Values.Append(timer));
            else await timer.ContinueWith(_ => { }, TaskScheduler.Default);
            if (_watchStarted.Task.IsCompleted) _watchStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
            await early.CancelAsync();
            ct.ThrowIfCancellationRequested();

            var finished = false;
            foreach (var (stepId, work) in InFlight.Where(w => w.Value.IsCompleted).ToList())
            {
                InFlight.Remove(stepId);
                Watching.TryRemove(stepId, out _);
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
        RolloutTick tick;
        Change change;
        DateTimeOffset now;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            change = await db.Changes.SingleAsync(c => c.Id == run.ChangeId, ct);
            run.ComponentId = change.ComponentId;
            if (change.Status != ChangeStatus.Running) return null;
            var phase = change.RollingBack ? RolloutPhase.Rollback : RolloutPhase.Forward;
            var waves = await db.RolloutWaves.Where(w => w.ChangeId == run.ChangeId && w.Phase == phase).OrderBy(w => w.Index).ToListAsync(ct);
            var steps = await db.RolloutSteps.Where(s => s.ChangeId == run.ChangeId && s.Phase == phase).ToListAsync(ct);
            // The tick's time is taken after the steps are read: a step it starts in a slot another step just freed starts
            // after that one finished, on the record too.
            now = time.GetUtcNow();
            var pending = PendingInCurrentWave(waves, steps);
            var turns = await TurnsAsync(db, change, phase, pending, ct);
            var frozen = await FrozenAsync(change, phase, pending, now, ct);
            // A cluster both frozen and taken by another change is shown by its freeze, whose end is known.
            var held = turns.Concat(frozen).GroupBy(h => h.Key).ToDictionary(g => g.Key, g => g.Last().Value);
            tick = RolloutEngine.Next(Snapshot(change, phase, waves, steps) with { Frozen = held }, now);
            if (phase == RolloutPhase.Forward && await GatesRefuseAsync(change, tick, ct) is { } refusal) tick = RolloutTick.Pausing(refusal);
            // Nothing to do but wait: a soak's end or a freeze's end is known; a freeze with no known end, or another change's turn, is not.
            run.NextDecisionAt = tick is { ChangesState: false, Work.Count: 0 } ? tick.WakeAt ?? (tick.WaitingFor is null ? null : DateTimeOffset.MaxValue) : null;
            run.WaitsForTurn = tick.WaitingFor is not null && turns.Count > 0;
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

    /// <summary>The steps of the current wave that have not started: the only ones a freeze or another change's turn can hold.</summary>
    private static List<RolloutStep> PendingInCurrentWave(List<RolloutWave> waves, List<RolloutStep> steps)
    {
        var current = waves.FirstOrDefault(w => w.Status is WaveStatus.Pending or WaveStatus.Running);
        return current is null ? [] : steps.Where(s => s.Wave == current.Index && s.Status == StepStatus.Pending).ToList();
    }

    /// <summary>
    /// The pending clusters on which an earlier-approved change of the same component still has work (a step not yet started
    /// or in flight, whether that change runs or is paused): one change per component per cluster at a time. Rollbacks
    /// take no turn: undoing must not wait.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, FrozenCluster>> TurnsAsync(PortalDbContext db, Change change, RolloutPhase phase,
        List<RolloutStep> pending, CancellationToken ct)
    {
        if (phase != RolloutPhase.Forward || change.ComponentId is not { } componentId || change.PlanFrozenAt is not { } approvedAt || pending.Count == 0)
            return new Dictionary<string, FrozenCluster>();
        var clusterIds = pending.Select(s => s.ClusterId).ToList();
        var others = await db.Changes.AsNoTracking()
            .Where(c => c.ComponentId == componentId && c.Id != change.Id && (c.Status == ChangeStatus.Running || c.Status == ChangeStatus.Paused)
                && c.PlanFrozenAt != null && c.PlanFrozenAt <= approvedAt)
            .Select(c => new { c.Id, c.ComponentName, c.Version, c.PlanFrozenAt })
            .ToListAsync(ct);
        if (others.Count == 0) return new Dictionary<string, FrozenCluster>();
        var otherIds = others.Select(o => o.Id).ToList();
        var unfinished = await db.RolloutSteps.AsNoTracking()
            .Where(s => otherIds.Contains(s.ChangeId) && clusterIds.Contains(s.ClusterId)
                && (s.Status == StepStatus.Pending || s.Status == StepStatus.Applying || s.Status == StepStatus.Converging))
            .Select(s => new { s.ChangeId, s.ClusterName })
            .ToListAsync(ct);
        return ComponentTurns.Held(change.Id, approvedAt, pending.Select(s => s.ClusterName), others.Select(o => new ComponentChange(
            o.Id, $"{o.ComponentName} {o.Version}", o.PlanFrozenAt,
            unfinished.Where(u => u.ChangeId == o.Id).Select(u => u.ClusterName).ToHashSet())));
    }

    /// <summary>
    /// The clusters of the current wave that have not started and that a freeze holds now. Only windows that block rollbacks
    /// hold a rollback; the windows the change was granted to run through hold nothing.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, FrozenCluster>> FrozenAsync(Change change, RolloutPhase phase, List<RolloutStep> pendingSteps,
        DateTimeOffset now, CancellationToken ct)
    {
        var pending = pendingSteps.Select(s => s.ClusterId).ToList();
        if (pending.Count == 0) return new Dictionary<string, FrozenCluster>();
        var verdict = await freeze.EvaluateWaveAsync(pending, now, phase == RolloutPhase.Rollback ? FreezePurpose.Rollback : FreezePurpose.Rollout,
            findNextOpen: false, change.RunThrough.WindowIds, ct);
        // The holding window's end is when to look again; the engine only uses it to wake up.
        return verdict.FrozenClusters.ToDictionary(c => c.Cluster, c => new FrozenCluster(c.Verdict.Describe(), c.Verdict.Until));
    }

    /// <summary>
    /// Lets the worker go while the rollout waits: the watchdog leaves the change alone until <paramref name="until"/>, when a
    /// scheduled job looks again (or sooner, when what it waits for happens). Null (nothing to schedule) when the change
    /// stopped running meanwhile.
    /// </summary>
    private async Task<DateTimeOffset?> ParkAsync(long changeId, DateTimeOffset until, string waitsFor, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var parked = await db.Changes.Where(c => c.Id == changeId && c.Status == ChangeStatus.Running)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.ParkedUntil, until), ct);
        if (parked == 0) return null;
        log.LogDebug("Rollout of change {ChangeId} waits for {What}; no worker holds it until {Until:O} at the latest", changeId, waitsFor, until);
        return until;
    }

    /// <summary>Records that the rollout started or stopped waiting on a freeze; false when someone else wrote the change first.</summary>
    private async Task<bool> RecordWaitingAsync(PortalDbContext db, Change change, string? waitingFor, DateTimeOffset now, CancellationToken ct)
    {
        var saved = await write.TryRunAsync(db, Actor.Rollout, trail =>
        {
            change.WaitingFor = waitingFor;
            change.UpdatedAt = now;
            return trail.RecordAsync(AuditActions.ChangeWaiting, ChangeNames.Target(change),
                waitingFor ?? "nothing holds the rollout any more (no freeze window, no other change's turn); it carries on");
        }, ct);
        if (saved) await liveUpdates.PublishChangeAsync(change.Id, ct);
        return saved;
    }

    private enum Recorded { Saved, Raced, Finished }

    /// <summary>Stores what the tick decided, in one transaction, unless someone else wrote to the same rows first.</summary>
    private async Task<Recorded> RecordAsync(PortalDbContext db, Run run, Change change, RolloutPhase phase, RolloutTick tick,
        List<RolloutWave> waves, List<RolloutStep> steps, DateTimeOffset now, CancellationToken ct)
    {
        var finished = false;
        var saved = await write.TryRunAsync(db, Actor.Rollout, async trail =>
        {
            foreach (var (index, status) in tick.WaveChanges)
            {
                var wave = waves.Single(w => w.Index == index);
                wave.Status = status;
                if (status == WaveStatus.Running) wave.StartedAt = now;
                if (status == WaveStatus.Soaking) wave.ConvergedAt = now;
                if (status == WaveStatus.Succeeded) { wave.ConvergedAt ??= now; wave.FinishedAt = now; }
                await trail.RecordAsync(AuditActions.ChangeWave, ChangeNames.Target(change), $"{phase} wave '{wave.Name}' {status}");
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
            finished = await ApplyOutcomeAsync(trail, change, phase, tick.Outcome, now);
        }, ct);
        if (!saved) return Recorded.Raced;
        await liveUpdates.PublishChangeAsync(run.ChangeId, ct);
        return finished ? Recorded.Finished : Recorded.Saved;
    }

    private static async Task<bool> ApplyOutcomeAsync(AuditTrail trail, Change change, RolloutPhase phase, RolloutOutcome outcome, DateTimeOffset now)
    {
        switch (outcome)
        {
            case RolloutOutcome.Pause pause:
                change.Status = ChangeLifecycle.After(change.Status, ChangeAction.Pause);
                change.StatusReason = pause.Reason;
                change.UpdatedAt = now;
                await trail.RecordAsync(AuditActions.ChangePaused, ChangeNames.Target(change), pause.Reason, succeeded: false);
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
                await trail.RecordAsync(AuditActions.ChangeFinished, ChangeNames.Target(change),
                    $"{change.Status}: {finish.Reason}", succeeded: finish.AllSucceeded);
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
                if (remove) await RemoveAsync(db, change, step, target, objects, ct);
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
            // One look before watching: what converged meanwhile (a woken job's step) is recorded at once, and a step is
            // handed over to a watch only once it was seen waiting, so it is never handed over again and again unseen.
            var (waiting, converged) = await FirstUnconvergedAsync(target, objects, TimeSpan.Zero, ct);
            if (waiting is not null)
            {
                var deadline = step.StartedAt!.Value.AddSeconds(Settings(change, step.Phase, step.Wave).ProgressDeadlineSeconds);
                if (!run.Watching.ContainsKey(step.Id))
                    run.StartWatching(step.Id, new StepWatch(target, objects.Where(o => ConvergenceRules.IsWorkload(o.Kind)).Select(o => o.Ref).ToList(),
                        deadline, time.GetUtcNow()));
                var window = Clamp(deadline - time.GetUtcNow(), TimeSpan.FromSeconds(1), WatchWindow);
                (waiting, converged) = await FirstUnconvergedAsync(target, objects, window, ct);
            }
            if (waiting is not null) step.Detail = waiting;
            else if (converged.Select(l => (l.Ref, By: ConvergenceRules.AppliedByOther(l, change.Id, ChangeAnnotation))).FirstOrDefault(l => l.By is not null)
                     is { By: { } other } overwritten)
            {
                // Two changes raced on this cluster: what converged is not ours, so this step must not claim it.
                step.Status = StepStatus.Failed;
                step.FinishedAt = time.GetUtcNow();
                step.Error = $"{overwritten.Ref.Kind} {overwritten.Ref.Name} converged with objects applied by {other}, not by this change: " +
                    "the cluster does not run this change's version.";
            }
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
    private async Task<ClusterTarget> TargetAsync(PortalDbContext db, Run run, RolloutStep step, CancellationToken ct) =>
        run.Targets.TryGetValue(step.ClusterId, out var cached) ? cached
            : run.Targets[step.ClusterId] = await targets.ForAsync(db, step.ClusterId, step.ClusterName, ct);

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

    /// <summary>
    /// Deletes the objects, each only once the defender allowed it, as any client's delete would be: a refusal fails the step
    /// with the defender's message, before that object is touched. Objects already gone (a re-run) are neither asked about nor spent on.
    /// </summary>
    private async Task RemoveAsync(PortalDbContext db, Change change, RolloutStep step, ClusterTarget target, IReadOnlyList<ManifestObject> objects, CancellationToken ct)
    {
        var cluster = await db.Clusters.AsNoTracking().Where(c => c.Id == step.ClusterId).Select(c => new { c.Environment, c.Labels }).SingleAsync(ct);
        // Workloads first, namespaces last: the reverse of the apply order.
        foreach (var o in objects.Reverse())
        {
            if (await clusters.GetObjectAsync(target, o.Ref, ct) is null) continue;
            var verdict = await defender.DecideAsync(new AdmissionRequest(FieldManager, $"{FieldManager}/rollout change-{change.Id}", DefenderVerbs.Delete,
                Kinds.ResourceOf(o.Kind), o.Namespace, o.Name, step.ClusterName, cluster.Environment, cluster.Labels), ct);
            if (!verdict.Allowed) throw new ClusterCallException(ClusterFailure.Forbidden, verdict.Message);
            await clusters.DeleteObjectAsync(target, o.Ref, ct);
        }
    }

    /// <summary>
    /// Waiting null when every workload converged within <paramref name="window"/> (Converged: how each looks then); otherwise
    /// what the first one still waits for.
    /// </summary>
    private async Task<(string? Waiting, List<LiveObject> Converged)> FirstUnconvergedAsync(ClusterTarget target, IReadOnlyList<ManifestObject> objects,
        TimeSpan window, CancellationToken ct)
    {
        var until = time.GetUtcNow() + window;
        var converged = new List<LiveObject>();
        foreach (var o in objects.Where(o => ConvergenceRules.IsWorkload(o.Kind)))
        {
            var left = until - time.GetUtcNow();
            var live = left > TimeSpan.Zero
                ? await clusters.WatchObjectAsync(target, o.Ref, l => ConvergenceRules.Evaluate(l).Done, left, ct)
                : await clusters.GetObjectAsync(target, o.Ref, ct);
            var convergence = ConvergenceRules.Evaluate(live);
            if (!convergence.Done) return ($"{o.Kind} {o.Name}: {convergence.Summary}", converged);
            converged.Add(live!);
        }
        return (null, converged);
    }

    /// <summary>The objects a step puts on its cluster, and whether it removes them instead (rollback with no earlier version).</summary>
    private async Task<(IReadOnlyList<ManifestObject> Objects, bool Remove)> DesiredAsync(PortalDbContext db, Run run, Change change, RolloutStep step, CancellationToken ct)
    {
        run.Forward ??= await ParseAsync(db, change, change.VersionId, ct);
        if (step.Phase == RolloutPhase.Forward) return (ForCluster(run.Forward, step), false);
        var previous = change.Plan.Waves.SelectMany(w => w.Clusters).FirstOrDefault(c => c.ClusterId == step.ClusterId)?.PreviousVersionId;
        if (previous is not { } versionId) return (ForCluster(run.Forward, step), true);
        if (!run.Versions.TryGetValue(versionId, out var objects))
            run.Versions[versionId] = objects = await ParseAsync(db, change, versionId, ct);
        return (ForCluster(objects, step), false);
    }

    private static IReadOnlyList<ManifestObject> ForCluster(IReadOnlyList<ManifestObject> objects, RolloutStep step) =>
        objects.Select(o => o.ForCluster(step.ClusterName)).ToList();

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

    private async Task UnlockAsync(NpgsqlConnection connection, long changeId)
    {
        try
        {
            await AdvisoryLockAsync(connection, "SELECT pg_advisory_unlock(@space, @id)", changeId, CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The connection broke: closing it ends the session, and the lock with it.
            log.LogDebug(e, "Could not unlock change {ChangeId} on its lock connection; closing the connection releases it", changeId);
        }
    }

    /// <summary>Runs one advisory-lock function on the change's two-key lock; true when it took or released it.</summary>
    private static async Task<bool> AdvisoryLockAsync(NpgsqlConnection connection, string sql, long changeId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("space", LockSpace);
        command.Parameters.AddWithValue("id", (int)changeId);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => Clamp(a, TimeSpan.Zero, b);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;
}
