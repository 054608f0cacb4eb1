using AsiOpsPortal.Core.Changes;

namespace AsiOpsPortal.Core.Tests.Changes;

public class CurrentVersionGroupsTests
{
    private static readonly Guid V126 = Guid.NewGuid(), V127 = Guid.NewGuid();

    private static PlannedCluster Runs(string name, Guid? versionId, string? version) =>
        new() { Name = name, PreviousVersionId = versionId, PreviousVersion = version };

    [Fact]
    public void Of_MakesOneGroupPerCurrentVersion_InTheOrderThePlanReachesThem()
    {
        var plan = new ChangePlan
        {
            Waves =
            [
                new PlannedWave { Name = "canary", Clusters = [Runs("c1", null, null), Runs("c2", V126, "1.26")] },
                new PlannedWave { Name = "rest", Clusters = [Runs("c3", V127, "1.27"), Runs("c4", V126, "1.26"), Runs("c5", null, null)] },
            ],
        };

        var groups = CurrentVersionGroups.Of(plan);

        Assert.Equal(["A", "B", "C"], groups.Select(g => g.Label));
        Assert.Equal([null, "1.26", "1.27"], groups.Select(g => g.Version));
        Assert.Equal([V126, V127], groups.Skip(1).Select(g => g.VersionId!.Value));
        Assert.Equal(["c1", "c5"], groups[0].Clusters);
        Assert.Equal(["c2", "c4"], groups[1].Clusters);
        Assert.Equal(["c3"], groups[2].Clusters);
    }

    [Fact]
    public void Of_IsEmpty_WhenThePlanHasNoClusters() =>
        Assert.Empty(CurrentVersionGroups.Of(new ChangePlan { Waves = [new PlannedWave { Name = "empty" }] }));

    [Theory]
    [InlineData(0, "A")]
    [InlineData(25, "Z")]
    [InlineData(26, "AA")]
    [InlineData(27, "AB")]
    [InlineData(701, "ZZ")]
    [InlineData(702, "AAA")]
    public void LabelOf_CountsLikeSpreadsheetColumns(int index, string label) =>
        Assert.Equal(label, CurrentVersionGroups.LabelOf(index));
}
