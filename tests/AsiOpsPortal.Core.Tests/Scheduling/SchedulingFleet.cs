using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Scheduling;

namespace AsiOpsPortal.Core.Tests.Scheduling;

/// <summary>Fleets for scheduler tests: hand-made clusters, and random fleets from a seed for the property tests.</summary>
internal static class SchedulingFleet
{
    public static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    public static readonly string[] Regions = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "us-west"];

    public static SchedulingFacts Cluster(string name, string environment = "test", int tier = 3, string region = "cn-hangzhou", int nodes = 10,
        ClusterStatus status = ClusterStatus.Healthy, int failures = 0, TimeSpan? syncedAgo = null, TimeSpan? succeededAgo = null,
        params (string Key, string Value)[] labels) =>
        new(new ClusterFacts(Guid.NewGuid(), name, environment, region, "", tier, labels.ToDictionary(l => l.Key, l => l.Value)),
            nodes, status == ClusterStatus.Degraded ? nodes - 1 : nodes, status, Now - (syncedAgo ?? TimeSpan.FromMinutes(1)), failures,
            succeededAgo is { } ago ? Now - ago : null);

    /// <summary>A random fleet: every environment (plus an unknown one), regions, tiers, sizes, health and history vary.</summary>
    public static List<SchedulingFacts> Random(int seed, int count)
    {
        var random = new Random(seed);
        string[] environments = ["test", "staging", "prod", "prod", "dev"];
        ClusterStatus[] statuses = [ClusterStatus.Healthy, ClusterStatus.Healthy, ClusterStatus.Healthy, ClusterStatus.Degraded, ClusterStatus.Unreachable, ClusterStatus.Unknown];
        var fleet = new List<SchedulingFacts>(count);
        for (var i = 0; i < count; i++)
        {
            var environment = environments[random.Next(environments.Length)];
            var nodes = random.Next(0, 4) == 0 ? random.Next(1, 5000) : random.Next(1, 60);
            var status = statuses[random.Next(statuses.Length)];
            var labels = random.Next(3) == 0 ? new Dictionary<string, string> { ["gpu"] = "true" } : new Dictionary<string, string>();
            fleet.Add(new SchedulingFacts(
                new ClusterFacts(Guid.NewGuid(), $"{environment}-{i:D5}", environment, Regions[random.Next(Regions.Length)], "", random.Next(0, 4), labels),
                nodes, status == ClusterStatus.Degraded ? random.Next(0, nodes) : nodes, status,
                status == ClusterStatus.Unknown ? null : Now - TimeSpan.FromMinutes(random.Next(0, 40)),
                random.Next(0, 3) == 0 ? random.Next(1, 6) : 0,
                random.Next(2) == 0 ? null : Now - TimeSpan.FromHours(random.Next(0, 24 * 60))));
        }
        return fleet;
    }

    /// <summary>A random valid policy: shaping and weights vary, filters sometimes narrow the fleet.</summary>
    public static SchedulerPolicyDocument RandomPolicy(int seed)
    {
        var random = new Random(seed);
        var policy = SchedulerPolicyDocument.Default("random");
        foreach (var plugin in ScorePlugins.Names) policy.Weights[plugin] = random.Next(0, 6);
        policy.Weights[ScorePlugins.Names[random.Next(ScorePlugins.Names.Count)]] = random.Next(1, 101);
        var shaping = policy.Shaping;
        shaping.MaxWaveSize = random.Next(1, 40);
        shaping.CanarySize = random.Next(0, shaping.MaxWaveSize + 1);
        shaping.FirstWaveSize = random.Next(1, shaping.MaxWaveSize + 1);
        shaping.GrowthFactor = 1 + random.Next(0, 30) / 10.0;
        shaping.MaxRegionPercent = random.Next(1, 101);
        shaping.TierZeroLast = random.Next(4) != 0;
        if (random.Next(3) == 0) shaping.EnvironmentOrder = ["staging", "test", "prod"];
        if (random.Next(4) == 0) policy.Filters.Selector = "gpu!=true";
        if (random.Next(5) == 0) policy.Filters.Regions = [Regions[0], Regions[1]];
        policy.Filters.ExcludeStale = random.Next(3) != 0;
        policy.Filters.ExcludeUnreachable = random.Next(4) != 0;
        return policy;
    }
}
