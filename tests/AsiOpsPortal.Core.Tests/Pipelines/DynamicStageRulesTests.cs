using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Scheduling;
using static AsiOpsPortal.Core.Tests.Scheduling.SchedulingFleet;

namespace AsiOpsPortal.Core.Tests.Pipelines;

public class DynamicStageRulesTests
{
    /// <summary>Two test, one staging and four prod clusters (one of them tier 0), out of name order.</summary>
    private static readonly IReadOnlyList<SchedulingFacts> Fleet =
    [
        Cluster("prod-hz-02", "prod", tier: 1),
        Cluster("test-hz-01"),
        Cluster("prod-sh-01", "prod", tier: 0, region: "cn-shanghai"),
        Cluster("staging-hz-01", "staging", tier: 2),
        Cluster("prod-hz-01", "prod", tier: 1),
        Cluster("test-sh-01", region: "cn-shanghai"),
        Cluster("prod-bj-01", "prod", tier: 2, region: "cn-beijing"),
    ];

    private static readonly SchedulerPolicyDocument Balanced = SchedulerPolicyDocument.Default("balanced");

    /// <summary>Fixed canaries (both test clusters, then one prod cluster), then the rest by the balanced policy.</summary>
    private static Pipeline CanaryThenBalanced(string? scope = null, string? prefix = null) => new()
    {
        Name = "standard-then-balanced",
        Scope = scope,
        Waves =
        [
            new WaveSpec { Name = "canary", Clusters = ["test-sh-01", "test-hz-01"], Canary = true },
            new WaveSpec { Name = "prod-canary", Clusters = ["prod-hz-01"], Canary = true },
        ],
        Then = new DynamicStage { SchedulerPolicy = "balanced", NamePrefix = prefix },
    };

    private static List<string> Clusters(AsiOpsPortal.Core.Changes.ChangePlan plan) =>
        plan.Waves.SelectMany(w => w.Clusters).Select(c => c.Name).ToList();

    [Fact]
    public void Plan_PutsTheStaticWavesFirst_ThenThePolicyWavesNamedAfterIt()
    {
        var plan = DynamicStageRules.Plan(CanaryThenBalanced(), Balanced, Fleet, Now);

        Assert.Equal(["canary", "prod-canary"], plan.Waves.Take(2).Select(w => w.Name));
        Assert.Equal(["test-sh-01", "test-hz-01"], plan.Waves[0].Clusters.Select(c => c.Name));
        Assert.True(plan.Waves.Count > 2);
        Assert.All(plan.Waves.Skip(2), w => Assert.StartsWith("policy balanced · ", w.Name));
        // The policy's own canary is the lowest-risk of what is left, and tier 0 still goes last.
        Assert.Equal("policy balanced · canary", plan.Waves[2].Name);
        Assert.Equal(["prod-sh-01"], plan.Waves[^1].Clusters.Select(c => c.Name));
    }

    [Fact]
    public void Plan_PlansEveryClusterOnce_LeavingStaticClustersToTheirWaves()
    {
        var plan = DynamicStageRules.Plan(CanaryThenBalanced(), Balanced, Fleet, Now);

        var clusters = Clusters(plan);
        Assert.Equal(clusters.Count, clusters.Distinct().Count());
        Assert.Equal(Fleet.Select(f => f.Name).Order(), clusters.Order());
        Assert.DoesNotContain(plan.Waves.Skip(2).SelectMany(w => w.Clusters), c => c.Name is "test-sh-01" or "test-hz-01" or "prod-hz-01");
        Assert.Empty(plan.Unplanned);
    }

    [Fact]
    public void Plan_AddsNoPolicyWave_WhenTheStaticWavesHoldEveryCluster()
    {
        var pipeline = CanaryThenBalanced();
        pipeline.Waves.Add(new WaveSpec { Name = "rest", Selector = "name notin (test-sh-01,test-hz-01,prod-hz-01)" });

        var plan = DynamicStageRules.Plan(pipeline, Balanced, Fleet, Now);

        Assert.Equal(["canary", "prod-canary", "rest"], plan.Waves.Select(w => w.Name));
        Assert.Empty(DynamicStageRules.Remainder(plan, Fleet));
        Assert.Empty(plan.Unplanned);
    }

    [Fact]
    public void Plan_ListsWhatThePolicyLeavesOut_AsUnplanned_AndNotWhatItPlans()
    {
        var fleet = Fleet.Append(Cluster("prod-hz-09", "prod", tier: 1, status: ClusterStatus.Unreachable)).ToList();

        var plan = DynamicStageRules.Plan(CanaryThenBalanced(scope: "environment=prod"), Balanced, fleet, Now);

        // In the scope and in no static wave: the policy planned the reachable ones and left out the unreachable one.
        Assert.Equal(["prod-hz-09"], plan.Unplanned);
        Assert.DoesNotContain("prod-hz-09", Clusters(plan));
        Assert.Contains("prod-bj-01", Clusters(plan));
    }

    [Fact]
    public void Plan_NamesPolicyWavesWithThePrefix_WhenOneIsGiven()
    {
        var plan = DynamicStageRules.Plan(CanaryThenBalanced(prefix: "rest of prod"), Balanced, Fleet, Now);

        Assert.All(plan.Waves.Skip(2), w => Assert.StartsWith("rest of prod · ", w.Name));
    }

    [Fact]
    public void Plan_IsTheStaticPlan_WhenThePipelineHasNoDynamicStage()
    {
        var pipeline = CanaryThenBalanced();
        pipeline.Then = null;

        var plan = DynamicStageRules.Plan(pipeline, null, Fleet, Now);

        Assert.Equal(["canary", "prod-canary"], plan.Waves.Select(w => w.Name));
    }

    [Fact]
    public void Plan_Refuses_WhenThePolicyIsNotTheOneTheStageNames()
    {
        var error = Assert.Throws<PipelineException>(() => DynamicStageRules.Plan(CanaryThenBalanced(), SchedulerPolicyDocument.Default("other"), Fleet, Now));

        Assert.Equal(["No scheduler policy named 'balanced': the dynamic stage ('then') must name one that exists."], error.Problems);
    }

    [Fact]
    public void Validate_NamesTheMissingPolicy_WhenItDoesNotExist()
    {
        Assert.Equal(["No scheduler policy named 'balanced': the dynamic stage ('then') must name one that exists."],
            DynamicStageRules.Validate(new DynamicStage { SchedulerPolicy = "balanced" }, ["spread"]));
        Assert.Equal(["The dynamic stage ('then') must name a scheduler policy."], DynamicStageRules.Validate(new DynamicStage(), ["spread"]));
        Assert.Empty(DynamicStageRules.Validate(new DynamicStage { SchedulerPolicy = "spread" }, ["spread"]));
        Assert.Empty(DynamicStageRules.Validate(null, []));
    }
}
