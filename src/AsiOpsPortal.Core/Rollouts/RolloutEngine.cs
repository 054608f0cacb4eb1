namespace AsiOpsPortal.Core.Rollouts;

/// <summary>How one wave runs. A rollback wave never pauses: it tries every cluster and reports.</summary>
public sealed record WaveSettings(int MaxConcurrency, int MinSuccessSeconds, int ProgressDeadlineSeconds, FailureBudget Budget, bool Canary, bool PausesOnFailure = true);

public sealed record WaveState(int Index, string Name, WaveStatus Status, WaveSettings Settings, DateTimeOffset? ConvergedAt);

public sealed record StepState(long Id, int Wave, int Position, string Cluster, StepStatus Status, DateTimeOffset? StartedAt, string? Error);

/// <summary>A cluster on which no step may start now because a freeze window holds it: why, in words, and when it next opens (null: not known to open).</summary>
public sealed record FrozenCluster(string Reason, DateTimeOffset? OpensAt);

/// <summary>The rollout as stored: one phase's waves and steps; and, by cluster name, the clusters a freeze holds now.</summary>
public sealed record RolloutSnapshot(RolloutPhase Phase, IReadOnlyList<WaveState> Waves, IReadOnlyList<StepState> Steps,
    IReadOnlyDictionary<string, FrozenCluster>? Frozen = null);

public abstract record RolloutOutcome
{
    public sealed record Continue : RolloutOutcome;
    public sealed record Pause(string Reason) : RolloutOutcome;
    public sealed record Finish(bool AllSucceeded, string Reason) : RolloutOutcome;
}

/// <summary>
/// What to do now. <see cref="Start"/>: Pending steps to claim; <see cref="TimedOut"/>: steps past their deadline, now
/// failed; <see cref="Work"/>: steps that need the cluster (apply or a convergence check), started ones included;
/// <see cref="WakeAt"/>: when a soak ends or a freeze lets go, if nothing else is due; <see cref="WaitingFor"/>: while a freeze
/// holds back the wave or some of its clusters, what it waits for (null when nothing does).
/// </summary>
public sealed record RolloutTick(
    IReadOnlyList<(int Wave, WaveStatus Status)> WaveChanges,
    IReadOnlyList<long> Start,
    IReadOnlyList<long> TimedOut,
    IReadOnlyList<long> Work,
    RolloutOutcome Outcome,
    DateTimeOffset? WakeAt)
{
    public bool ChangesState => WaveChanges.Count > 0 || Start.Count > 0 || TimedOut.Count > 0 || Outcome is not RolloutOutcome.Continue;

    public string? WaitingFor { get; init; }

    /// <summary>Instead of what was decided: pause, and nothing else (an outside check said no).</summary>
    public static RolloutTick Pausing(string reason) => new([], [], [], [], new RolloutOutcome.Pause(reason), null);
}

/// <summary>
/// The rollout's brain, without I/O: given the stored waves and steps and the time, decides the next move. Waves run
/// one after another; within a wave at most MaxConcurrency clusters are in flight, in plan order; a cluster that does not
/// converge within its deadline fails; more failures than the wave's budget (none for a canary) pause the rollout; a wave
/// whose clusters are done soaks for MinSuccessSeconds before the next one starts. A freeze is checked at every wave start
/// and every step start: a wave with a frozen cluster does not start, and no step starts on a frozen cluster; steps already
/// running finish; the rollout waits (still running, saying why) and goes on by itself once the freeze lets go.
/// </summary>
public static class RolloutEngine
{
    private static readonly StepStatus[] InFlight = [StepStatus.Applying, StepStatus.Converging];

    public static RolloutTick Next(RolloutSnapshot rollout, DateTimeOffset now)
    {
        var current = rollout.Waves.OrderBy(w => w.Index).FirstOrDefault(w => w.Status is WaveStatus.Pending or WaveStatus.Running or WaveStatus.Soaking);
        if (current is null) return Finished(rollout);

        var changes = new List<(int, WaveStatus)>();
        if (current.Status == WaveStatus.Soaking)
        {
            var soakEnds = (current.ConvergedAt ?? now).AddSeconds(current.Settings.MinSuccessSeconds);
            if (now >= soakEnds) return Tick([(current.Index, WaveStatus.Succeeded)]);
            return Tick([], wakeAt: soakEnds);
        }
        var settings = current.Settings;
        var steps = rollout.Steps.Where(s => s.Wave == current.Index).OrderBy(s => s.Position).ToList();
        var frozen = rollout.Frozen ?? new Dictionary<string, FrozenCluster>();
        var held = steps.Where(s => s.Status == StepStatus.Pending && frozen.ContainsKey(s.Cluster)).ToList();
        // A wave starts whole or not at all: starting half of it into a freeze would leave it half done for the freeze's length.
        if (current.Status == WaveStatus.Pending && held.Count > 0)
            return Tick([], wakeAt: LatestOpening(held, frozen)) with { WaitingFor = Waiting($"Wave '{current.Name}' does not start", held, frozen) };
        if (current.Status == WaveStatus.Pending) changes.Add((current.Index, WaveStatus.Running));
        var deadline = TimeSpan.FromSeconds(settings.ProgressDeadlineSeconds);
        var timedOut = steps.Where(s => InFlight.Contains(s.Status) && s.StartedAt is { } started && now - started > deadline).ToList();
        var failed = steps.Where(s => s.Status == StepStatus.Failed).Concat(timedOut).ToList();

        if (settings.PausesOnFailure && settings.Budget.IsExceeded(failed.Count, steps.Count, settings.Canary))
            return Tick(changes, timedOut: timedOut, outcome: new RolloutOutcome.Pause(BudgetExceeded(current, failed, steps.Count)));

        var inFlight = steps.Where(s => InFlight.Contains(s.Status)).Except(timedOut).ToList();
        var start = steps.Where(s => s.Status == StepStatus.Pending && !frozen.ContainsKey(s.Cluster))
            .Take(Math.Max(0, settings.MaxConcurrency - inFlight.Count)).ToList();
        var waiting = held.Count > 0 ? Waiting($"Wave '{current.Name}' holds {held.Count} cluster(s)", held, frozen) : null;
        if (inFlight.Count == 0 && start.Count == 0 && held.Count > 0)
            return Tick(changes, timedOut: timedOut, wakeAt: EarliestOpening(held, frozen)) with { WaitingFor = waiting };
        if (inFlight.Count == 0 && start.Count == 0)
        {
            // Every cluster of the wave is done and the failures are within budget.
            changes.Add((current.Index, settings.MinSuccessSeconds > 0 ? WaveStatus.Soaking : WaveStatus.Succeeded));
            return Tick(changes, timedOut: timedOut);
        }
        return Tick(changes, start, timedOut, inFlight.Concat(start).Select(s => s.Id).ToList()) with { WaitingFor = waiting };
    }

    private static string Waiting(string what, IReadOnlyList<StepState> held, IReadOnlyDictionary<string, FrozenCluster> frozen)
    {
        var first = held[0];
        var others = held.Count > 1 ? $" (and {held.Count - 1} more)" : "";
        return $"{what}: {first.Cluster}{others}: {frozen[first.Cluster].Reason}";
    }

    /// <summary>When every held cluster is open; null when any of them is not known to open.</summary>
    private static DateTimeOffset? LatestOpening(IReadOnlyList<StepState> held, IReadOnlyDictionary<string, FrozenCluster> frozen) =>
        held.Any(s => frozen[s.Cluster].OpensAt is null) ? null : held.Max(s => frozen[s.Cluster].OpensAt);

    private static DateTimeOffset? EarliestOpening(IReadOnlyList<StepState> held, IReadOnlyDictionary<string, FrozenCluster> frozen) =>
        held.Select(s => frozen[s.Cluster].OpensAt).Where(o => o is not null).Min();

    private static RolloutTick Finished(RolloutSnapshot rollout)
    {
        var failed = rollout.Steps.Where(s => s.Status == StepStatus.Failed).OrderBy(s => s.Wave).ThenBy(s => s.Position).ToList();
        var what = rollout.Phase == RolloutPhase.Rollback ? "Rollback" : "Rollout";
        var total = rollout.Steps.Count(s => s.Status != StepStatus.Skipped);
        if (failed.Count == 0)
            return Tick([], outcome: new RolloutOutcome.Finish(true, $"{what} finished: {total} of {total} clusters succeeded."));
        return Tick([], outcome: new RolloutOutcome.Finish(false,
            $"{what} finished with {failed.Count} of {total} clusters failed (within the waves' failure budgets): {Name(failed)}."));
    }

    private static string BudgetExceeded(WaveState wave, IReadOnlyList<StepState> failed, int waveSize)
    {
        var allowed = wave.Settings.Budget.Allowed(waveSize, wave.Settings.Canary);
        var limit = wave.Settings.Canary ? "a canary wave tolerates no failure"
            : $"the wave tolerates {allowed} (maxFailures {wave.Settings.Budget})";
        return $"Paused: wave '{wave.Name}' has {failed.Count} failed of {waveSize} clusters and {limit}. {Name(failed)}.";
    }

    private static string Name(IReadOnlyList<StepState> failed)
    {
        var named = failed.Take(3).Select(s => s.Error is { Length: > 0 } e ? $"{s.Cluster}: {e}" : s.Cluster);
        return string.Join("; ", named) + (failed.Count > 3 ? $"; and {failed.Count - 3} more" : "");
    }

    private static RolloutTick Tick(IReadOnlyList<(int, WaveStatus)> changes, IReadOnlyList<StepState>? start = null,
        IReadOnlyList<StepState>? timedOut = null, IReadOnlyList<long>? work = null, RolloutOutcome? outcome = null, DateTimeOffset? wakeAt = null) =>
        new(changes, (start ?? []).Select(s => s.Id).ToList(), (timedOut ?? []).Select(s => s.Id).ToList(), work ?? [],
            outcome ?? new RolloutOutcome.Continue(), wakeAt);
}
