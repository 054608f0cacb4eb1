using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Risk;

namespace AsiOpsPortal.Core.Tests.Risk;

public class RiskGradingTests
{
    private static RiskContext Plan(params (string Environment, int Tier)[] clusters) => new(
        [new RiskWave("w", true, 0, clusters.Select((c, i) => new ClusterFacts(Guid.NewGuid(), $"c{i}", c.Environment, $"r{i}", "", c.Tier, new Dictionary<string, string>())).ToList())],
        "roll back", "1.0", new HashSet<string>(), DateTimeOffset.UnixEpoch);

    private static RiskFinding Finding(RuleSeverity severity) => new() { Rule = "r", Severity = severity, Message = "m" };

    [Fact]
    public void Of_IsLow_ForAFewClustersOutsideProduction()
    {
        var grade = RiskGrading.Of(Plan(("test", 3), ("staging", 2)), []);

        Assert.Equal(RiskLevel.Low, grade.Level);
        Assert.Contains("outside production", Assert.Single(grade.Reasons));
    }

    [Fact]
    public void Of_IsMedium_ForManyClustersOrAWarning()
    {
        Assert.Equal(RiskLevel.Medium, RiskGrading.Of(Plan(Enumerable.Repeat(("test", 3), RiskGrading.ManyClusters).ToArray()), []).Level);
        var warned = RiskGrading.Of(Plan(("test", 3)), [Finding(RuleSeverity.Warning)]);
        Assert.Equal(RiskLevel.Medium, warned.Level);
        Assert.Contains("1 rule warning(s).", warned.Reasons);
    }

    [Fact]
    public void Of_IsHigh_WhenAnyClusterIsProduction()
    {
        var grade = RiskGrading.Of(Plan(("test", 3), ("prod", 1)), [Finding(RuleSeverity.Warning)]);

        Assert.Equal(RiskLevel.High, grade.Level);
        Assert.Contains("Reaches 1 production cluster(s).", grade.Reasons);
    }

    [Fact]
    public void Of_IsCritical_ForTier0ClustersOrABlockingFinding()
    {
        Assert.Equal(RiskLevel.Critical, RiskGrading.Of(Plan(("prod", 0)), []).Level);
        var blocked = RiskGrading.Of(Plan(("test", 3)), [Finding(RuleSeverity.Blocking)]);
        Assert.Equal(RiskLevel.Critical, blocked.Level);
        Assert.Contains("1 blocking rule finding(s).", blocked.Reasons);
    }
}
