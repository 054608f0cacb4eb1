using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Scheduling;
using static AsiOpsPortal.Core.Tests.Scheduling.SchedulingFleet;

namespace AsiOpsPortal.Core.Tests.Scheduling;

public class ClusterSchedulerTests
{
    private static SchedulerPolicyDocument Policy(Action<SchedulerPolicyDocument>? edit = null)
    {
        var policy = SchedulerPolicyDocument.Default("balanced");
        policy.Shaping.MaxRegionPercent = 100;
        edit?.Invoke(policy);
        return policy;
    }

    private static List<List<string>> Names(SchedulerPlan plan) => plan.Waves.Select(w => w.Clusters.Select(c => c.Name).ToList()).ToList();

    [Fact]
    public void Plan_OrdersLowestRiskFirst_AndBreaksTiesByName()
    {
        var plan = ClusterScheduler.Plan(Policy(p => { p.Shaping.CanarySize = 0; p.Shaping.FirstWaveSize = 10; }),
            [Cluster("b", tier: 3), Cluster("critical", tier: 1), Cluster("a", tier: 3), Cluster("big", tier: 3, nodes: 3000)], Now);

        Assert.Equal([["a", "b", "big", "critical"]], Names(plan));
        Assert.Equal([1, 2, 3, 4], plan.Waves[0].Clusters.Select(c => c.Rank));
    }

    [Fact]
    public void Plan_ExplainsEveryPluginScore_AndTheWeightedTotal()
    {
        var policy = Policy(p => { p.Weights.Clear(); p.Weights[ScorePlugins.Tier] = 3; p.Weights[ScorePlugins.Failures] = 1; });
        var plan = ClusterScheduler.Plan(policy, [Cluster("a", tier: 2, failures: 2, succeededAgo: TimeSpan.FromDays(3))], Now);

        var cluster = Assert.Single(plan.Waves.SelectMany(w => w.Clusters));
        Assert.Equal(ScorePlugins.Names, cluster.Scores.Keys);
        Assert.Equal(66, cluster.Scores[ScorePlugins.Tier]);
        Assert.Equal(50, cluster.Scores[ScorePlugins.Failures]);
        Assert.Equal(90, cluster.Scores[ScorePlugins.Freshness]);
        Assert.Equal("2 recent failures", cluster.Facts[ScorePlugins.Failures]);
        Assert.Equal(Math.Round((3 * 66 + 50) / 4.0, 2), cluster.Total);
        Assert.Contains("Canary", cluster.Why);
    }

    [Fact]
    public void Plan_ListsEveryExcludedCluster_WithItsReason()
    {
        var policy = Policy(p =>
        {
            p.Filters.Environments = ["test", "prod"];
            p.Filters.Regions = ["cn-hangzhou"];
            p.Filters.Selector = "gpu!=true";
        });
        var plan = ClusterScheduler.Plan(policy,
        [
            Cluster("ok"),
            Cluster("dev-1", environment: "dev"),
            Cluster("staging-1", environment: "staging"),
            Cluster("far", region: "us-west"),
            Cluster("gpu", labels: ("gpu", "true")),
            Cluster("down", status: ClusterStatus.Unreachable),
            Cluster("old", syncedAgo: TimeSpan.FromHours(3)),
            Cluster("new", status: ClusterStatus.Unknown) with { LastSyncAt = null },
        ], Now);

        Assert.Equal([["ok"]], Names(plan));
        Assert.Equal(new Dictionary<string, string>
        {
            ["dev-1"] = "environment 'dev' is not in the environment order (test, staging, prod)",
            ["down"] = "unreachable at the last inventory sync",
            ["far"] = "region 'us-west' is not among the policy's regions (cn-hangzhou)",
            ["gpu"] = "does not match the selector 'gpu!=true'",
            ["new"] = "never synced, so its health is unknown",
            ["old"] = "stale: last inventory sync 3h ago",
            ["staging-1"] = "environment 'staging' is not among the policy's environments (test, prod)",
        }, plan.Excluded.ToDictionary(e => e.Name, e => e.Reason));
    }

    [Fact]
    public void Plan_KeepsUnhealthyClusters_WhenTheFiltersAllowThem()
    {
        var plan = ClusterScheduler.Plan(Policy(p => { p.Filters.ExcludeStale = false; p.Filters.ExcludeUnreachable = false; }),
            [Cluster("down", status: ClusterStatus.Unreachable), Cluster("up")], Now);

        Assert.Empty(plan.Excluded);
        Assert.Equal("up", plan.Waves[0].Clusters[0].Name);
        Assert.Equal(0, plan.Waves.SelectMany(w => w.Clusters).Single(c => c.Name == "down").Scores[ScorePlugins.Health]);
    }

    [Fact]
    public void Plan_GrowsWavesByTheFactor_UpToTheCap()
    {
        var fleet = Enumerable.Range(1, 17).Select(i => Cluster($"c{i:D2}")).ToList();
        var plan = ClusterScheduler.Plan(Policy(p =>
        {
            p.Shaping.CanarySize = 1;
            p.Shaping.FirstWaveSize = 2;
            p.Shaping.GrowthFactor = 2;
            p.Shaping.MaxWaveSize = 5;
        }), fleet, Now);

        Assert.Equal([1, 2, 4, 5, 5], plan.Waves.Select(w => w.Clusters.Count));
        Assert.Equal(["canary", "test-1", "test-2", "test-3", "test-4"], plan.Waves.Select(w => w.Name));
        Assert.Equal(ScheduledWaveKind.Canary, plan.Waves[0].Kind);
    }

    [Fact]
    public void Plan_FollowsTheEnvironmentOrder_AndPutsTierZeroLastInEachEnvironment()
    {
        var plan = ClusterScheduler.Plan(Policy(p => { p.Shaping.FirstWaveSize = 10; p.Shaping.CanarySize = 1; }),
        [
            Cluster("prod-0", "prod", tier: 0), Cluster("prod-2", "prod", tier: 2), Cluster("staging-1", "staging", tier: 1),
            Cluster("test-3", "test", tier: 3), Cluster("test-0", "test", tier: 0), Cluster("test-2", "test", tier: 2),
        ], Now);

        Assert.Equal(["canary", "test-1", "test-tier0-1", "staging-1", "prod-1", "prod-tier0-1"], plan.Waves.Select(w => w.Name));
        Assert.Equal([["test-3"], ["test-2"], ["test-0"], ["staging-1"], ["prod-2"], ["prod-0"]], Names(plan));
        Assert.Contains("Tier 0 goes last", plan.Waves[5].Clusters[0].Why);
    }

    [Fact]
    public void Plan_HoldsBackClustersOfARegion_BeyondItsShareOfAWave()
    {
        var fleet = new[] { "a1", "a2", "a3", "a4" }.Select(n => Cluster(n, region: "cn-hangzhou"))
            .Append(Cluster("z1", region: "us-west", tier: 1)).ToList();
        var plan = ClusterScheduler.Plan(Policy(p => { p.Shaping.CanarySize = 0; p.Shaping.FirstWaveSize = 3; p.Shaping.MaxRegionPercent = 50; }), fleet, Now);

        Assert.Equal([["a1", "a2", "z1"], ["a3", "a4"]], Names(plan));
        Assert.Contains("region limit reached for cn-hangzhou (2)", plan.Waves[0].Why);
        Assert.Contains("held back", plan.Waves[1].Clusters[0].Why);
    }

    [Fact]
    public void Plan_Throws_WhenThePolicyIsInvalid()
    {
        var error = Assert.Throws<SchedulerPolicyException>(() => ClusterScheduler.Plan(Policy(p => p.Shaping.FirstWaveSize = 0), [], Now));
        Assert.Contains("firstWaveSize must be at least 1.", error.Problems);
    }

    [Fact]
    public void ToChangePlan_CarriesTheWavesInOrder_WithThePolicySettingsPerKind()
    {
        var fleet = new[] { Cluster("t1"), Cluster("t2"), Cluster("p0", "prod", tier: 0) };
        var plan = ClusterScheduler.Plan(Policy(p =>
        {
            p.Shaping.CanarySize = 1;
            p.Shaping.Waves.MaxConcurrency = 4;
            p.Shaping.Waves.MaxFailures = "25%";
            p.Shaping.TierZero.MinSuccessSeconds = 900;
        }), fleet, Now);

        var changePlan = plan.ToChangePlan();

        Assert.Equal(["canary", "test-1", "prod-tier0-1"], changePlan.Waves.Select(w => w.Name));
        Assert.True(changePlan.Waves[0].Canary);
        Assert.Equal((4, "25%", false), (changePlan.Waves[1].MaxConcurrency, changePlan.Waves[1].MaxFailures, changePlan.Waves[1].Canary));
        Assert.Equal(900, changePlan.Waves[2].MinSuccessSeconds);
        Assert.Equal(fleet[2].Cluster.Id, changePlan.Waves[2].Clusters[0].ClusterId);
    }
}
