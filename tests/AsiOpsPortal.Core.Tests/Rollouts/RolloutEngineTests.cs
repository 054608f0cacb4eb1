using AsiOpsPortal.Core.Rollouts;

namespace AsiOpsPortal.Core.Tests.Rollouts;

public class RolloutEngineTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    private static WaveSettings Settings(int concurrency = 2, int soak = 0, int deadline = 60, string maxFailures = "0", bool canary = false, bool pauses = true) =>
        new(concurrency, soak, deadline, FailureBudget.Parse(maxFailures), canary, pauses);

    private static StepState Step(long id, int wave, StepStatus status = StepStatus.Pending, DateTimeOffset? started = null, string? error = null) =>
        new(id, wave, (int)id, $"c{id}", status, started, error);

    private static RolloutSnapshot Rollout(WaveState[] waves, params StepState[] steps) => new(RolloutPhase.Forward, waves, steps);

    [Fact]
    public void Next_StartsTheFirstWave_UpToItsConcurrency_InPlanOrder()
    {
        var rollout = Rollout([new(0, "canary", WaveStatus.Pending, Settings(concurrency: 2), null), new(1, "prod", WaveStatus.Pending, Settings(), null)],
            Step(3, 0), Step(1, 0), Step(2, 0), Step(4, 1));

        var tick = RolloutEngine.Next(rollout, Now);

        Assert.Equal([(0, WaveStatus.Running)], tick.WaveChanges);
        Assert.Equal([1L, 2L], tick.Start);
        Assert.Equal([1L, 2L], tick.Work);
        Assert.IsType<RolloutOutcome.Continue>(tick.Outcome);
    }

    [Fact]
    public void Next_StartsNoMoreThanConcurrency_CountingStepsInFlight()
    {
        var rollout = Rollout([new(0, "w", WaveStatus.Running, Settings(concurrency: 2), null)],
            Step(1, 0, StepStatus.Converging, Now), Step(2, 0), Step(3, 0));

        var tick = RolloutEngine.Next(rollout, Now);

        Assert.Equal([2L], tick.Start);
        Assert.Equal([1L, 2L], tick.Work);
    }

    [Fact]
    public void Next_NeverTouchesALaterWave_WhileTheCurrentOneRuns()
    {
        var rollout = Rollout([new(0, "w0", WaveStatus.Running, Settings(concurrency: 5), null), new(1, "w1", WaveStatus.Pending, Settings(concurrency: 5), null)],
            Step(1, 0, StepStatus.Converging, Now), Step(2, 1));

        var tick = RolloutEngine.Next(rollout, Now);

        Assert.DoesNotContain(2L, tick.Start);
        Assert.DoesNotContain(tick.WaveChanges, c => c.Wave == 1);
    }

    [Fact]
    public void Next_FailsAStep_WhenItOutlivesTheProgressDeadline()
    {
        var rollout = Rollout([new(0, "w", WaveStatus.Running, Settings(deadline: 60, maxFailures: "1"), null)],
            Step(1, 0, StepStatus.Converging, Now.AddSeconds(-61)), Step(2, 0, StepStatus.Converging, Now.AddSeconds(-59)));

        var tick = RolloutEngine.Next(rollout, Now);

        Assert.Equal([1L], tick.TimedOut);
        Assert.Equal([2L], tick.Work);
    }

    [Fact]
    public void Next_PausesWithTheReason_WhenACanaryWaveHasOneFailure()
    {
        var rollout = Rollout([new(0, "canary", WaveStatus.Running, Settings(maxFailures: "50%", canary: true), null)],
            Step(1, 0, StepStatus.Failed, error: "image web:1.2-broken never became available"), Step(2, 0));

        var tick = RolloutEngine.Next(rollout, Now);

        var pause = Assert.IsType<RolloutOutcome.Pause>(tick.Outcome);
        Assert.Contains("canary", pause.Reason);
        Assert.Contains("c1: image web:1.2-broken", pause.Reason);
        Assert.Empty(tick.Start);
    }

    [Fact]
    public void Next_PausesOnlyPastThePercentageBudget()
    {
        WaveState wave = new(0, "prod", WaveStatus.Running, Settings(concurrency: 10, maxFailures: "20%"), null);
        var steps = Enumerable.Range(1, 10).Select(i => Step(i, 0, i <= 2 ? StepStatus.Failed : StepStatus.Succeeded)).ToArray();

        Assert.IsNotType<RolloutOutcome.Pause>(RolloutEngine.Next(Rollout([wave], steps), Now).Outcome);

        steps[2] = Step(3, 0, StepStatus.Failed);
        Assert.IsType<RolloutOutcome.Pause>(RolloutEngine.Next(Rollout([wave], steps), Now).Outcome);
    }

    [Fact]
    public void Next_CountsTimedOutStepsAgainstTheBudget_InTheSameTick()
    {
        var rollout = Rollout([new(0, "w", WaveStatus.Running, Settings(deadline: 10), null)],
            Step(1, 0, StepStatus.Converging, Now.AddSeconds(-11)), Step(2, 0));

        var tick = RolloutEngine.Next(rollout, Now);

        Assert.Equal([1L], tick.TimedOut);
        Assert.IsType<RolloutOutcome.Pause>(tick.Outcome);
    }

    [Fact]
    public void Next_NeverPausesARollbackWave_AndFinishesWithTheFailuresNamed()
    {
        var waves = new WaveState[] { new(0, "rollback", WaveStatus.Running, Settings(pauses: false), null) };
        var running = RolloutEngine.Next(new RolloutSnapshot(RolloutPhase.Rollback, waves, [Step(1, 0, StepStatus.Failed, error: "boom"), Step(2, 0)]), Now);
        Assert.Equal([2L], running.Start);

        var done = new RolloutSnapshot(RolloutPhase.Rollback, [waves[0] with { Status = WaveStatus.Succeeded }],
            [Step(1, 0, StepStatus.Failed, error: "boom"), Step(2, 0, StepStatus.Succeeded)]);
        var finish = Assert.IsType<RolloutOutcome.Finish>(RolloutEngine.Next(done, Now).Outcome);
        Assert.False(finish.AllSucceeded);
        Assert.Contains("c1: boom", finish.Reason);
    }

    [Fact]
    public void Next_SoaksAWave_ThenLetsTheNextStart()
    {
        var waves = new WaveState[] { new(0, "w0", WaveStatus.Running, Settings(soak: 30), null), new(1, "w1", WaveStatus.Pending, Settings(), null) };
        var steps = new[] { Step(1, 0, StepStatus.Succeeded), Step(2, 1) };

        Assert.Equal([(0, WaveStatus.Soaking)], RolloutEngine.Next(Rollout(waves, steps), Now).WaveChanges);

        waves[0] = waves[0] with { Status = WaveStatus.Soaking, ConvergedAt = Now };
        var soaking = RolloutEngine.Next(Rollout(waves, steps), Now.AddSeconds(10));
        Assert.Equal(Now.AddSeconds(30), soaking.WakeAt);
        Assert.False(soaking.ChangesState);

        Assert.Equal([(0, WaveStatus.Succeeded)], RolloutEngine.Next(Rollout(waves, steps), Now.AddSeconds(30)).WaveChanges);

        waves[0] = waves[0] with { Status = WaveStatus.Succeeded };
        var next = RolloutEngine.Next(Rollout(waves, steps), Now.AddSeconds(30));
        Assert.Equal([(1, WaveStatus.Running)], next.WaveChanges);
        Assert.Equal([2L], next.Start);
    }

    [Fact]
    public void Next_FinishesAsSucceeded_WhenEveryWaveSucceeded()
    {
        var rollout = Rollout([new(0, "w", WaveStatus.Succeeded, Settings(), Now)], Step(1, 0, StepStatus.Succeeded), Step(2, 0, StepStatus.Succeeded));

        var finish = Assert.IsType<RolloutOutcome.Finish>(RolloutEngine.Next(rollout, Now).Outcome);

        Assert.True(finish.AllSucceeded);
        Assert.Contains("2 of 2", finish.Reason);
    }

    [Fact]
    public void Next_CompletesAnEmptyWave_WithoutStartingAnything()
    {
        var rollout = Rollout([new(0, "empty", WaveStatus.Running, Settings(), null)]);

        Assert.Equal([(0, WaveStatus.Succeeded)], RolloutEngine.Next(rollout, Now).WaveChanges);
    }

    [Fact]
    public void Next_NeverHasMoreInFlightThanConcurrency_OverARandomRun()
    {
        // Drive a whole rollout tick by tick with random outcomes; the invariants must hold at every tick.
        var random = new Random(7);
        for (var run = 0; run < 200; run++)
        {
            var waveCount = random.Next(1, 5);
            var waves = Enumerable.Range(0, waveCount).Select(i => new WaveState(i, $"w{i}", WaveStatus.Pending,
                Settings(concurrency: random.Next(1, 4), maxFailures: random.Next(0, 3).ToString(), canary: i == 0), null)).ToArray();
            var id = 0L;
            var steps = waves.SelectMany(w => Enumerable.Range(0, random.Next(0, 7)).Select(_ => Step(++id, w.Index))).ToArray();
            var clock = Now;
            for (var tickCount = 0; tickCount < 500; tickCount++)
            {
                var tick = RolloutEngine.Next(Rollout(waves, steps), clock);
                foreach (var (wave, status) in tick.WaveChanges)
                    waves[wave] = waves[wave] with { Status = status, ConvergedAt = status == WaveStatus.Soaking ? clock : waves[wave].ConvergedAt };
                for (var i = 0; i < steps.Length; i++)
                {
                    var s = steps[i];
                    if (tick.Start.Contains(s.Id)) s = s with { Status = StepStatus.Applying, StartedAt = clock };
                    else if (tick.Work.Contains(s.Id)) s = s with { Status = random.Next(4) switch { 0 => StepStatus.Failed, 1 => StepStatus.Converging, _ => StepStatus.Succeeded } };
                    steps[i] = s;
                }
                var active = waves.Where(w => w.Status == WaveStatus.Running).ToList();
                Assert.True(active.Count <= 1, "Two waves ran at once.");
                foreach (var wave in active)
                    Assert.True(steps.Count(s => s.Wave == wave.Index && s.Status is StepStatus.Applying or StepStatus.Converging) <= wave.Settings.MaxConcurrency);
                Assert.DoesNotContain(steps, s => s.Status != StepStatus.Pending && waves[s.Wave].Status == WaveStatus.Pending);
                if (tick.Outcome is not RolloutOutcome.Continue) break;
                clock = clock.AddSeconds(1);
            }
        }
    }
}
