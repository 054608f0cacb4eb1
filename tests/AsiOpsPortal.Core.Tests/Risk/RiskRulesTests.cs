using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Risk;

namespace AsiOpsPortal.Core.Tests.Risk;

public class RiskRulesTests
{
    /// <summary>A Wednesday at 10:00 UTC: inside the default business hours.</summary>
    private static readonly DateTimeOffset Weekday = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static ClusterFacts Cluster(string name, string environment, int tier = 1, string region = "cn-hangzhou") =>
        new(Guid.NewGuid(), name, environment, region, "", tier, new Dictionary<string, string>());

    private static RiskWave Wave(string name, params ClusterFacts[] clusters) => new(name, false, 0, clusters);

    private static RiskWave Canary(string name, params ClusterFacts[] clusters) => new(name, true, 0, clusters);

    private static RiskContext Context(IReadOnlyList<RiskWave> waves, string rollbackPlan = "roll back in the portal", string? version = "1.0",
        DateTimeOffset? now = null, params string[] succeededIn) =>
        new(waves, rollbackPlan, version, succeededIn.ToHashSet(StringComparer.OrdinalIgnoreCase), now ?? Weekday);

    /// <summary>The demo's shape: test canary, staging, one prod canary, the rest of prod, tier 0 last, each prod wave soaking an hour.</summary>
    private static RiskContext Staged(string rollbackPlan = "roll back in the portal", int soak = 3600) => Context(
    [
        Canary("canary", Cluster("test-hz-01", "test", 3), Cluster("test-sh-01", "test", 3, "cn-shanghai")),
        Wave("staging", Cluster("staging-hz-01", "staging", 2), Cluster("staging-sh-01", "staging", 2, "cn-shanghai")),
        new RiskWave("prod-canary", true, soak, [Cluster("prod-hz-02", "prod")]),
        new RiskWave("prod", false, soak, [Cluster("prod-sh-02", "prod", region: "cn-shanghai"), Cluster("prod-bj-02", "prod", region: "cn-beijing")]),
        Wave("prod-tier0", Cluster("prod-bj-01", "prod", 0, "cn-beijing")),
    ], rollbackPlan);

    private static IReadOnlyList<string> Findings(RiskRule rule, RiskContext context, RiskRuleSetting? setting = null) =>
        rule.Check(context, rule.Inputs(setting ?? rule.Defaults())).ToList();

    private static RiskRuleSetting With(RiskRule rule, string parameter, string value)
    {
        var setting = rule.Defaults();
        setting.Parameters[parameter] = value;
        return setting;
    }

    [Fact]
    public void Evaluate_FindsNothing_ForAWellStagedProductionChange()
    {
        Assert.Empty(RiskEvaluator.Evaluate(Staged(), []));
    }

    [Fact]
    public void ProductionStaged_Fires_WhenProductionHasOneWave()
    {
        var findings = Findings(new ProductionStagedRule(), Context([Wave("prod", Cluster("prod-sh-01", "prod"))]));

        Assert.Contains(findings, f => f.Contains("at least 2 waves"));
        Assert.Contains(findings, f => f.StartsWith("Wave 1 'prod' holds production cluster(s) prod-sh-01; the first wave may not hold production clusters."));
    }

    [Fact]
    public void ProductionStaged_Fires_WhenTheFirstWaveHoldsATier0Cluster()
    {
        var context = Context([Canary("canary", Cluster("test-critical", "test", 0)), Wave("prod", Cluster("prod-sh-01", "prod"))]);

        Assert.Single(Findings(new ProductionStagedRule(), context), f => f.Contains("tier-0 cluster(s) test-critical"));
    }

    [Fact]
    public void ProductionStaged_StaysQuiet_ForStagedProductionAndForOneWaveOutsideProduction()
    {
        Assert.Empty(Findings(new ProductionStagedRule(), Staged()));
        Assert.Empty(Findings(new ProductionStagedRule(), Context([Wave("all", Cluster("test-hz-01", "test", 3))])));
    }

    [Fact]
    public void CanaryWave_Fires_WhenNoCanaryRunsBeforeProduction()
    {
        var none = Context([Wave("test", Cluster("test-hz-01", "test", 3)), Wave("prod", Cluster("prod-sh-01", "prod"))]);
        var late = Context([Wave("test", Cluster("test-hz-01", "test", 3)), Wave("prod", Cluster("prod-sh-01", "prod")), Canary("late", Cluster("prod-sh-02", "prod"))]);

        Assert.Contains("No wave is marked canary", Assert.Single(Findings(new CanaryWaveRule(), none)));
        Assert.Contains("runs after Wave 2 'prod'", Assert.Single(Findings(new CanaryWaveRule(), late)));
    }

    [Fact]
    public void CanaryWave_StaysQuiet_WithACanaryFirstOrOutsideProduction()
    {
        Assert.Empty(Findings(new CanaryWaveRule(), Staged()));
        Assert.Empty(Findings(new CanaryWaveRule(), Context([Wave("all", Cluster("test-hz-01", "test", 3))])));
    }

    [Fact]
    public void ProductionSoak_Fires_WhenAProductionWaveSoaksLessThanAnHourBeforeTheNext()
    {
        var findings = Findings(new ProductionSoakRule(), Staged(soak: 60));

        Assert.Equal(2, findings.Count);
        Assert.StartsWith("Wave 3 'prod-canary' soaks 1 min before the next production wave; critical-risk changes need at least 1 h", findings[0]);
    }

    [Fact]
    public void ProductionSoak_StaysQuiet_WhenSoakIsLongEnough_OrTheRiskIsBelowTheThreshold()
    {
        Assert.Empty(Findings(new ProductionSoakRule(), Staged(soak: 3600)));
        var lowRisk = Context([Wave("a", Cluster("test-hz-01", "test", 3)), Wave("b", Cluster("test-hz-02", "test", 3))]);
        Assert.Empty(Findings(new ProductionSoakRule(), lowRisk, With(new ProductionSoakRule(), "fromRisk", "Low")));
        var highRisk = Context([Canary("c", Cluster("prod-1", "prod")), Wave("p", Cluster("prod-2", "prod"))]);
        Assert.Empty(Findings(new ProductionSoakRule(), highRisk, With(new ProductionSoakRule(), "fromRisk", "Critical")));
        Assert.Single(Findings(new ProductionSoakRule(), highRisk));
    }

    [Fact]
    public void ProductionWaveSize_Fires_WhenOneWaveHoldsMoreThanItsShareOfProduction()
    {
        var prod = Enumerable.Range(1, 5).Select(i => Cluster($"prod-{i}", "prod", region: $"r{i}")).ToArray();
        var context = Context([Canary("canary", Cluster("test-1", "test", 3)), Wave("p1", prod[0]), Wave("rest", prod[1..])]);

        Assert.Equal("Wave 3 'rest' holds 4 of 5 production clusters; at most 60% (3) may be in one wave. Split it into smaller waves.",
            Assert.Single(Findings(new ProductionWaveSizeRule(), context)));
        Assert.Single(Findings(new ProductionWaveSizeRule(), context, With(new ProductionWaveSizeRule(), "maxPerWave", "2")));
        Assert.Empty(Findings(new ProductionWaveSizeRule(), context, With(new ProductionWaveSizeRule(), "maxPerWave", "4")));
    }

    [Fact]
    public void ProductionWaveSize_StaysQuiet_ForASingleProductionCluster()
    {
        Assert.Empty(Findings(new ProductionWaveSizeRule(), Context([Canary("c", Cluster("test-1", "test", 3)), Wave("p", Cluster("prod-1", "prod"))])));
    }

    [Fact]
    public void RegionShare_Fires_WhenOneWaveHoldsMoreThanHalfOfARegion()
    {
        var context = Context([Wave("all", Cluster("test-hz-01", "test", 3), Cluster("test-hz-02", "test", 3), Cluster("test-sh-01", "test", 3, "cn-shanghai"))]);

        var finding = Assert.Single(Findings(new RegionShareRule(), context));
        Assert.StartsWith("Wave 1 'all' holds 2 of the change's 2 clusters in region cn-hangzhou", finding);
    }

    [Fact]
    public void RegionShare_StaysQuiet_WhenRegionsAreSpreadOverWaves()
    {
        Assert.Empty(Findings(new RegionShareRule(), Staged()));
        Assert.Empty(Findings(new RegionShareRule(), Context([Wave("a", Cluster("test-hz-01", "test", 3)), Wave("b", Cluster("test-hz-02", "test", 3))])));
    }

    [Fact]
    public void RollbackPlan_Fires_ForProductionWithoutAPlan_AndStaysQuietOutsideProduction()
    {
        Assert.Contains("has no rollback plan", Assert.Single(Findings(new RollbackPlanRule(), Staged(rollbackPlan: "  "))));
        Assert.Empty(Findings(new RollbackPlanRule(), Staged()));
        Assert.Empty(Findings(new RollbackPlanRule(), Context([Wave("all", Cluster("test-hz-01", "test", 3))], rollbackPlan: "")));
    }

    [Fact]
    public void LowerEnvironmentFirst_Fires_WhenProductionComesBeforeAnyLowerEnvironment()
    {
        var context = Context([Canary("prod-canary", Cluster("prod-hz-02", "prod")), Wave("prod", Cluster("prod-sh-02", "prod"))]);

        var finding = Assert.Single(Findings(new LowerEnvironmentFirstRule(), context));
        Assert.StartsWith("Version 1.0 has not succeeded in test or staging yet", finding);
        Assert.Contains("Roll it out to staging first", finding);
    }

    [Fact]
    public void LowerEnvironmentFirst_StaysQuiet_WhenAnEarlierWaveOrAnEarlierChangeProvedTheVersion()
    {
        Assert.Empty(Findings(new LowerEnvironmentFirstRule(), Staged()));
        var prodOnly = Context([Wave("prod", Cluster("prod-sh-02", "prod"))], succeededIn: "staging");
        Assert.Empty(Findings(new LowerEnvironmentFirstRule(), prodOnly));
        var manifests = Context([Wave("prod", Cluster("prod-sh-02", "prod"))], version: null);
        Assert.Empty(Findings(new LowerEnvironmentFirstRule(), manifests));
    }

    [Fact]
    public void LowerEnvironmentFirst_DoesNotCountTheSameWave()
    {
        var context = Context([Wave("together", Cluster("staging-hz-01", "staging", 2), Cluster("prod-hz-02", "prod"))]);

        var findings = Findings(new LowerEnvironmentFirstRule(), context);
        Assert.Equal(2, findings.Count);
        Assert.Contains(findings, f => f.Contains("reaches staging"));
        Assert.Contains(findings, f => f.Contains("reaches prod"));
    }

    [Fact]
    public void Tier0BusinessHours_Fires_OutsideBusinessHours_AndStaysQuietInside()
    {
        var saturday = new DateTimeOffset(2026, 11, 28, 3, 0, 0, TimeSpan.Zero);
        var rule = new Tier0BusinessHoursRule();

        Assert.Equal("It is Saturday 03:00 (UTC); tier-0 clusters (prod-bj-01) may only be changed Mon-Fri 09:00-18:00 UTC. Propose it inside business hours, or take them out of the plan.",
            Assert.Single(Findings(rule, Staged() with { Now = saturday })));
        Assert.Empty(Findings(rule, Staged() with { Now = Weekday }));
        Assert.Empty(Findings(rule, Context([Wave("all", Cluster("test-hz-01", "test", 3))], now: saturday)));
    }

    [Fact]
    public void Tier0BusinessHours_UsesTheConfiguredTimeZone()
    {
        var rule = new Tier0BusinessHoursRule();
        // 02:00 UTC on a Wednesday is 10:00 in Shanghai.
        var setting = With(rule, "timeZone", "Asia/Shanghai");

        Assert.Empty(Findings(rule, Staged() with { Now = new DateTimeOffset(2026, 11, 25, 2, 0, 0, TimeSpan.Zero) }, setting));
        Assert.Single(Findings(rule, Staged() with { Now = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero) }, setting));
    }

    [Fact]
    public void Evaluate_SkipsDisabledRules_AndUsesTheStoredSeverity()
    {
        var oneWave = Context([Wave("prod", Cluster("prod-sh-01", "prod"))], rollbackPlan: "");
        var settings = new List<RiskRuleSetting>
        {
            new() { Rule = "production-staged", Enabled = false },
            new() { Rule = "rollback-plan", Severity = RuleSeverity.Warning },
            new() { Rule = "no-such-rule" },
        };

        var findings = RiskEvaluator.Evaluate(oneWave, settings);

        Assert.DoesNotContain(findings, f => f.Rule == "production-staged");
        Assert.Equal(RuleSeverity.Warning, Assert.Single(findings, f => f.Rule == "rollback-plan").Severity);
        Assert.Contains(findings, f => f.Rule == "canary-wave" && f.Severity == RuleSeverity.Blocking);
        Assert.Equal(["no-such-rule"], RiskEvaluator.Unknown(settings));
    }

    [Fact]
    public void Scope_LimitsARuleToTheClustersItSelects()
    {
        var rule = new RollbackPlanRule();
        var setting = rule.Defaults();
        setting.Scope = "region=cn-beijing";

        Assert.Empty(Findings(rule, Context([Canary("c", Cluster("test-1", "test", 3)), Wave("p", Cluster("prod-hz", "prod"))], rollbackPlan: ""), setting));
        Assert.Single(Findings(rule, Context([Canary("c", Cluster("test-1", "test", 3)), Wave("p", Cluster("prod-bj", "prod", region: "cn-beijing"))], rollbackPlan: ""), setting));
    }

    [Theory]
    [InlineData("production-wave-size", "maxPerWave", "0")]
    [InlineData("production-wave-size", "maxPerWave", "150%")]
    [InlineData("tier0-business-hours", "hours", "18:00-09:00")]
    [InlineData("tier0-business-hours", "timeZone", "Mars/Olympus")]
    [InlineData("tier0-business-hours", "days", "Funday")]
    [InlineData("production-soak", "fromRisk", "Extreme")]
    [InlineData("production-staged", "nonsense", "1")]
    public void Problems_NameEveryBadParameter(string ruleName, string parameter, string value)
    {
        var rule = BuiltInRules.Find(ruleName)!;

        Assert.Contains(rule.Problems(With(rule, parameter, value)), p => p.Contains(parameter));
    }

    [Fact]
    public void Defaults_HaveNoProblems()
    {
        Assert.All(BuiltInRules.All, rule => Assert.Empty(rule.Problems(rule.Defaults())));
    }
}
