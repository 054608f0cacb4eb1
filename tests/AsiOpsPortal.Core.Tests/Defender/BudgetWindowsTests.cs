using AsiOpsPortal.Core.Defender;

namespace AsiOpsPortal.Core.Tests.Defender;

public class BudgetWindowsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static List<long> SpendAt(params DateTimeOffset[] times)
    {
        var spends = new List<long>();
        foreach (var at in times) spends = BudgetWindows.Spend(spends, Minute, at);
        return spends;
    }

    [Fact]
    public void Check_HasRoom_UntilTheLimitIsSpent()
    {
        var spends = SpendAt(T0, T0.AddSeconds(1));
        Assert.True(BudgetWindows.Check(spends, 3, Minute, T0.AddSeconds(2)).HasRoom);
        Assert.False(BudgetWindows.Check(BudgetWindows.Spend(spends, Minute, T0.AddSeconds(2)), 3, Minute, T0.AddSeconds(2)).HasRoom);
    }

    [Fact]
    public void Check_RefillsAtTheMomentTheOldestCountedSpendLeaves()
    {
        var spends = SpendAt(T0, T0.AddSeconds(10), T0.AddSeconds(20));

        var full = BudgetWindows.Check(spends, 3, Minute, T0.AddSeconds(30));
        Assert.Equal(3, full.Used);
        Assert.Equal(T0 + Minute, full.RefillsAt);
        // One tick before the oldest spend is a minute old it still counts; at exactly a minute it has left.
        Assert.False(BudgetWindows.Check(spends, 3, Minute, T0 + Minute - TimeSpan.FromTicks(1)).HasRoom);
        var refilled = BudgetWindows.Check(spends, 3, Minute, T0 + Minute);
        Assert.True(refilled.HasRoom);
        Assert.Equal(2, refilled.Used);
    }

    [Fact]
    public void Spend_NeverLetsMoreThanTheLimitIntoAnyWindowLongInterval_AcrossACalendarMinute()
    {
        // A fixed per-minute counter lets 3 through at 10:00:59 and 3 more at 10:01:00; a sliding window lets none of the second three.
        var spends = SpendAt(T0.AddSeconds(59), T0.AddSeconds(59), T0.AddSeconds(59));
        for (var s = 60; s < 119; s++)
            Assert.False(BudgetWindows.Check(spends, 3, Minute, T0.AddSeconds(s)).HasRoom, $"refused at 10:01:{s - 60:D2}");
        Assert.True(BudgetWindows.Check(spends, 3, Minute, T0.AddSeconds(119)).HasRoom);
    }

    [Fact]
    public void Check_CountsEqualTimestampsEachOnce_AndTheyLeaveTogether()
    {
        var spends = SpendAt(T0, T0, T0);
        Assert.Equal(3, BudgetWindows.Check(spends, 5, Minute, T0).Used);
        Assert.Equal(0, BudgetWindows.Check(spends, 5, Minute, T0 + Minute).Used);
    }

    [Fact]
    public void Check_WithLimitOne_RefusesUntilTheSingleSpendLeaves()
    {
        var spends = SpendAt(T0);
        Assert.Equal(T0 + Minute, BudgetWindows.Check(spends, 1, Minute, T0.AddSeconds(59)).RefillsAt);
        Assert.True(BudgetWindows.Check(spends, 1, Minute, T0 + Minute).HasRoom);
    }

    [Fact]
    public void Check_WithALoweredLimit_RefusesUntilFewerThanTheNewLimitStillCount()
    {
        // Five spends under a limit of 5, then the limit becomes 2: a token is back once all but one have left, i.e. when the fourth leaves.
        var spends = SpendAt(T0, T0.AddSeconds(10), T0.AddSeconds(20), T0.AddSeconds(30), T0.AddSeconds(40));
        var standing = BudgetWindows.Check(spends, 2, Minute, T0.AddSeconds(45));
        Assert.Equal(5, standing.Used);
        Assert.Equal(T0.AddSeconds(30) + Minute, standing.RefillsAt);
        Assert.False(BudgetWindows.Check(spends, 2, Minute, T0.AddSeconds(89)).HasRoom);
        Assert.True(BudgetWindows.Check(spends, 2, Minute, T0.AddSeconds(90)).HasRoom);
    }

    [Fact]
    public void Check_WithARaisedLimit_HasRoomAtOnce()
    {
        var spends = SpendAt(T0, T0, T0);
        Assert.False(BudgetWindows.Check(spends, 3, Minute, T0).HasRoom);
        Assert.True(BudgetWindows.Check(spends, 4, Minute, T0).HasRoom);
    }

    [Fact]
    public void Spend_DropsSpendsThatLeft_SoAWindowKeepsNoMoreThanItCounts()
    {
        var spends = SpendAt(T0, T0.AddSeconds(30), T0.AddSeconds(61), T0.AddSeconds(95));
        Assert.Equal([T0.AddSeconds(61).UtcTicks, T0.AddSeconds(95).UtcTicks], spends);
    }

    [Fact]
    public void Spend_RecordsALaggingClocksSpendAtTheNewestTime_SoItCountsNoLessLong()
    {
        var spends = SpendAt(T0.AddSeconds(10), T0.AddSeconds(5));
        Assert.Equal([T0.AddSeconds(10).UtcTicks, T0.AddSeconds(10).UtcTicks], spends);
    }
}
