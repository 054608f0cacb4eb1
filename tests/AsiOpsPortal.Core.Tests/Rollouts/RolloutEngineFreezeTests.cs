using AsiOpsPortal.Core.Rollouts;

namespace AsiOpsPortal.Core.Tests.Rollouts;

/// <summary>The rollout engine under freeze windows: what starts, what waits, and what it says while it waits.</summary>
public class RolloutEngineFreezeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Opens = Now.AddHours(8);

    private static WaveSettings Settings(int concurrency = 2) => new(concurrency, 0, 60, FailureBudget.Parse("0"), false);

    private static StepState Step(long id, int wave, StepStatus status = StepStatus.Pending, DateTimeOffset? started = null) =>
        new(id, wave, (int)id, $"c{id}", status, started, null);

    private static Dictionary<string, FrozenCluster> Frozen(params string[] clusters) =>
        clusters.ToDictionary(c => c, _ => new FrozenCluster("Frozen until 18:00 Asia/Shanghai (Singles' Day freeze; window 'singles-day')", Opens));

    [Fact]
    public void Next_DoesNotStartAWave_WhenAnyOfItsClustersIsFrozen()
    {
        var rollout = new RolloutSnapshot(RolloutPhase.Forward, [new(0, "prod", WaveStatus.Pending, Settings(), null)], [Step(1, 0), Step(2, 0)], Frozen("c2"));

        var tick = RolloutEngine.Next(rollout, Now);

        Assert.Empty(tick.WaveChanges);
        Assert.Empty(tick.Start);
        Assert.False(tick.ChangesState);
        Assert.Equal(Opens, tick.WakeAt);
        Assert.Equal("Wave 'prod' does not start: c2: Frozen until 18:00 Asia/Shanghai (Singles' Day freeze; window 'singles-day')", tick.WaitingFor);
    }

    [Fact]
    public void Next_LetsRunningStepsFinish_ButStartsNoStepOnAFrozenCluster()
    {
        var rollout = new RolloutSnapshot(RolloutPhase.Forward, [new(0, "prod", WaveStatus.Running, Settings(concurrency: 3), null)],
            [Step(1, 0, StepStatus.Converging, Now), Step(2, 0), Step(3, 0)], Frozen("c2"));

        var tick = RolloutEngine.Next(rollout, Now);

        Assert.Equal([3L], tick.Start);
        Assert.Equal([1L, 3L], tick.Work);
        Assert.Contains("holds 1 cluster(s): c2", tick.WaitingFor);
    }

    [Fact]
    public void Next_KeepsAWaveRunning_WhileOnlyFrozenClustersAreLeft()
    {
        var rollout = new RolloutSnapshot(RolloutPhase.Forward, [new(0, "prod", WaveStatus.Running, Settings(), null), new(1, "next", WaveStatus.Pending, Settings(), null)],
            [Step(1, 0, StepStatus.Succeeded), Step(2, 0), Step(3, 1)], Frozen("c2"));

        var tick = RolloutEngine.Next(rollout, Now);

        Assert.Empty(tick.WaveChanges);
        Assert.Empty(tick.Work);
        Assert.IsType<RolloutOutcome.Continue>(tick.Outcome);
        Assert.Equal(Opens, tick.WakeAt);
        Assert.NotNull(tick.WaitingFor);
    }

    [Fact]
    public void Next_StartsTheWaveAndSaysNothing_OnceTheFreezeLetsGo()
    {
        var rollout = new RolloutSnapshot(RolloutPhase.Forward, [new(0, "prod", WaveStatus.Pending, Settings(), null)], [Step(1, 0), Step(2, 0)], Frozen());

        var tick = RolloutEngine.Next(rollout, Now);

        Assert.Equal([(0, WaveStatus.Running)], tick.WaveChanges);
        Assert.Equal([1L, 2L], tick.Start);
        Assert.Null(tick.WaitingFor);
    }

    /// <summary>Property: with clusters frozen and thawed at random, no step ever starts on a cluster frozen at that tick.</summary>
    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    [InlineData(23)]
    public void Next_NeverStartsAStepOnAFrozenCluster(int seed)
    {
        var random = new Random(seed);
        for (var run = 0; run < 100; run++)
        {
            var waves = Enumerable.Range(0, random.Next(1, 4)).Select(i => new WaveState(i, $"w{i}", WaveStatus.Pending, Settings(random.Next(1, 4)), null)).ToArray();
            var id = 0L;
            var steps = waves.SelectMany(w => Enumerable.Range(0, random.Next(1, 6)).Select(_ => Step(++id, w.Index))).ToArray();
            for (var tickCount = 0; tickCount < 300; tickCount++)
            {
                var frozen = Frozen(steps.Where(_ => random.Next(3) == 0).Select(s => s.Cluster).ToArray());
                var tick = RolloutEngine.Next(new RolloutSnapshot(RolloutPhase.Forward, waves, steps, frozen), Now);
                foreach (var started in tick.Start) Assert.DoesNotContain(steps.Single(s => s.Id == started).Cluster, frozen.Keys);
                foreach (var (wave, status) in tick.WaveChanges)
                {
                    if (status == WaveStatus.Running) Assert.DoesNotContain(steps, s => s.Wave == wave && frozen.ContainsKey(s.Cluster));
                    waves[wave] = waves[wave] with { Status = status };
                }
                for (var i = 0; i < steps.Length; i++)
                {
                    if (tick.Start.Contains(steps[i].Id)) steps[i] = steps[i] with { Status = StepStatus.Applying, StartedAt = Now };
                    else if (tick.Work.Contains(steps[i].Id)) steps[i] = steps[i] with { Status = StepStatus.Succeeded };
                }
                if (tick.Outcome is not RolloutOutcome.Continue) break;
            }
        }
    }
}
