using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Rollouts;

namespace AsiOpsPortal.Core.Tests.Rollouts;

public class RollbackPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    private static readonly IReadOnlyList<PlannedWave> Forward =
    [
        new() { Name = "canary", MaxConcurrency = 1, MinSuccessSeconds = 120, ProgressDeadlineSeconds = 90 },
        new() { Name = "staging", MaxConcurrency = 2, MinSuccessSeconds = 5, ProgressDeadlineSeconds = 300 },
        new() { Name = "prod", MaxConcurrency = 5, MinSuccessSeconds = 0, ProgressDeadlineSeconds = 600 },
    ];

    private static TouchedCluster Touched(string name, int wave, int secondsAgo, string? restores = "1.0", int tier = 3, string? movedBy = null) =>
        new(Guid.NewGuid(), name, wave, Now.AddSeconds(-secondsAgo), tier, restores, movedBy);

    [Fact]
    public void Plan_RunsTheTouchedWavesInReverse_WithEachWavesConcurrencyDeadlineAndACappedSoak()
    {
        var plan = RollbackPlanner.Plan(Forward, [Touched("c1", 0, 60), Touched("s1", 1, 30), Touched("s2", 1, 20)], allAtOnce: false);

        Assert.Equal(["rollback of staging", "rollback of canary"], plan.Waves.Select(w => w.Name));
        Assert.Equal((2, 5, 300), (plan.Waves[0].MaxConcurrency, plan.Waves[0].SoakSeconds, plan.Waves[0].ProgressDeadlineSeconds));
        Assert.Equal((1, RollbackPlanner.MaxSoakSeconds, 90), (plan.Waves[1].MaxConcurrency, plan.Waves[1].SoakSeconds, plan.Waves[1].ProgressDeadlineSeconds));
        Assert.False(plan.AllAtOnce);
    }

    [Fact]
    public void Plan_StartsTheMostRecentlyTouchedClusterFirst_WithinAWave()
    {
        var plan = RollbackPlanner.Plan(Forward, [Touched("p1", 2, 50), Touched("p2", 2, 10), Touched("p3", 2, 30)], allAtOnce: false);

        Assert.Equal(["p2", "p3", "p1"], Assert.Single(plan.Waves).Clusters.Select(c => c.Name));
    }

    [Fact]
    public void Plan_LeavesClustersANewerChangeMoved_AndNamesThem()
    {
        var plan = RollbackPlanner.Plan(Forward, [Touched("s1", 1, 30), Touched("s2", 1, 20, movedBy: "change #9 moved it to 1.2 since")], allAtOnce: false);

        Assert.Equal(["s1"], plan.Clusters.Select(c => c.Name));
        Assert.Equal("s2", Assert.Single(plan.Skipped).Name);
    }

    [Fact]
    public void Plan_PutsEveryClusterInOneUnpacedWave_WhenAllAtOnce()
    {
        var plan = RollbackPlanner.Plan(Forward, [Touched("c1", 0, 60), Touched("s1", 1, 30), Touched("p1", 2, 10)], allAtOnce: true);

        var wave = Assert.Single(plan.Waves);
        Assert.Equal((3, 0, 600), (wave.MaxConcurrency, wave.SoakSeconds, wave.ProgressDeadlineSeconds));
        Assert.Equal(["p1", "s1", "c1"], wave.Clusters.Select(c => c.Name));
        Assert.True(plan.AllAtOnce);
    }

    [Fact]
    public void Plan_HasNoWaves_WhenNothingWasTouched()
    {
        Assert.Empty(RollbackPlanner.Plan(Forward, [], allAtOnce: false).Waves);
    }

    [Fact]
    public void MovedSince_NamesTheNewerChange_WhenItsReleaseCameAfterTheTouch()
    {
        var release = new ClusterRelease { Version = "1.2", ChangeId = 9, AppliedAt = Now };

        Assert.Contains("change #9", RollbackPlanner.MovedSince(7, Now.AddMinutes(-5), release));
    }

    [Fact]
    public void MovedSince_IsNull_WhenTheReleaseIsThisChangesOrOlderThanTheTouch()
    {
        Assert.Null(RollbackPlanner.MovedSince(7, Now.AddMinutes(-5), new ClusterRelease { Version = "2.0", ChangeId = 7, AppliedAt = Now }));
        Assert.Null(RollbackPlanner.MovedSince(7, Now, new ClusterRelease { Version = "1.0", ChangeId = 3, AppliedAt = Now.AddMinutes(-5) }));
        Assert.Null(RollbackPlanner.MovedSince(7, Now, null));
    }
}
