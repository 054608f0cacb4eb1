using AsiOpsPortal.Core.Rollouts;

namespace AsiOpsPortal.Core.Tests.Rollouts;

public class ComponentTurnsTests
{
    private static readonly DateTimeOffset Approved = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    private static ComponentChange Other(long id, DateTimeOffset? approved, params string[] unfinished) => new(id, $"web {id}.0", approved, unfinished);

    [Fact]
    public void Held_HoldsClustersAnEarlierChangeHasNotFinished_NamingIt()
    {
        var held = ComponentTurns.Held(20, Approved, ["a", "b", "c"], [Other(12, Approved.AddMinutes(-1), "a", "c", "z")]);

        Assert.Equal(["a", "c"], held.Keys.Order());
        Assert.Equal("waits for change #12 (web 12.0) to finish there", held["a"].Reason);
        Assert.Null(held["a"].OpensAt);
    }

    [Fact]
    public void Held_HoldsNothing_WhenTheOtherChangeWasApprovedLater()
    {
        var held = ComponentTurns.Held(12, Approved, ["a"], [Other(20, Approved.AddSeconds(1), "a")]);

        Assert.Empty(held);
    }

    [Fact]
    public void Held_LetsTheLowerIdGoFirst_WhenBothWereApprovedAtOnce()
    {
        Assert.Empty(ComponentTurns.Held(12, Approved, ["a"], [Other(20, Approved, "a")]));
        Assert.Single(ComponentTurns.Held(20, Approved, ["a"], [Other(12, Approved, "a")]));
    }

    [Fact]
    public void Held_IgnoresChangesAwaitingApproval_AndItself()
    {
        var held = ComponentTurns.Held(20, Approved, ["a"], [Other(5, null, "a"), Other(20, Approved.AddHours(-1), "a")]);

        Assert.Empty(held);
    }

    [Fact]
    public void Held_NamesTheEarliestChange_WhenSeveralHoldACluster()
    {
        var held = ComponentTurns.Held(30, Approved, ["a"], [Other(20, Approved.AddMinutes(-1), "a"), Other(12, Approved.AddMinutes(-2), "a")]);

        Assert.StartsWith("waits for change #12 ", held["a"].Reason);
    }

    [Fact]
    public void WaitsBeforeApproval_NamesApprovedChangesSharingClusters_AndSkipsTheRest()
    {
        var notes = ComponentTurns.WaitsBeforeApproval(["a", "b"], [Other(12, Approved, "b", "a", "x"), Other(13, null, "a"), Other(14, Approved, "x")]);

        Assert.Equal(["waits for change #12 (web 12.0) on a, b"], notes);
    }
}
