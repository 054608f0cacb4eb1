using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Scheduling;

namespace AsiOpsPortal.Benchmarks;

/// <summary>
/// ClusterScheduler.Plan over 10,000 synthetic clusters with every plugin weighted, every filter and all shaping on,
/// against a plain sort of the same clusters by one key (node count) in the same run: the cost of explaining a plan
/// over the least any ordering costs.
/// </summary>
public sealed class SchedulerScenario : IScenario
{
    public string Name => "scheduler-10k";
    public string Description => "ClusterScheduler.Plan of 10k clusters, all plugins, filters and shaping vs a plain sort by node count";

    private sealed record Size(int Clusters, int Warmup, int Runs);

    private static readonly string[] Environments = ["test", "staging", "prod", "prod"];
    private static readonly string[] Regions =
        ["cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-zhangjiakou", "cn-wulanchabu", "ap-southeast-1", "eu-central-1"];

    public Task RunAsync(Scale scale, Figures figures)
    {
        var size = scale == Scale.Full ? new Size(10_000, 10, 50) : new Size(300, 2, 5);
        var now = DateTimeOffset.UtcNow;
        var fleet = Fleet(size.Clusters, now);
        var policy = SchedulerPolicyDocument.Default("bench");
        policy.Filters.Selector = "pool!=quarantine";
        policy.Shaping.MaxWaveSize = 200;
        policy.Shaping.MaxRegionPercent = 25;
        foreach (var plugin in ScorePlugins.Names) policy.Weights[plugin] = 1 + ScorePlugins.OrderOf(plugin);

        var plan = ClusterScheduler.Plan(policy, fleet, now);
        Figures.Note($"{Name}: {plan.PlannedCount:N0} planned in {plan.Waves.Count} waves, {plan.Excluded.Count:N0} excluded; "
            + $"{size.Warmup} warm-up and {size.Runs} measured runs of each");

        var planning = new Latency();
        var sorting = new Latency();
        for (var i = 0; i < size.Warmup + size.Runs; i++)
        {
            var measured = i >= size.Warmup;
            Time(sorting, () => fleet.OrderBy(c => c.NodesTotal).ToList(), measured);
            Time(planning, () => ClusterScheduler.Plan(policy, fleet, now), measured);
        }

        figures.Add("clusters", size.Clusters, "count");
        figures.Add("plan_p50", planning.Percentile(50), "ms", "<= 50");
        figures.Add("plan_p95", planning.Percentile(95), "ms");
        figures.Add("sort_p50", sorting.Percentile(50), "ms");
        figures.Add("plan_over_sort", planning.Percentile(50) / sorting.Percentile(50), "ratio");
        return Task.CompletedTask;
    }

    private static void Time<T>(Latency latency, Func<T> operation, bool measured)
    {
        if (measured) latency.TimeAsync(() => { GC.KeepAlive(operation()); return Task.CompletedTask; }).GetAwaiter().GetResult();
        else GC.KeepAlive(operation());
    }

    /// <summary>A deterministic fleet: every environment, region and tier, sizes from 3 to 5,000 nodes, some unhealthy, stale or failing.</summary>
    private static List<SchedulingFacts> Fleet(int count, DateTimeOffset now)
    {
        var random = new Random(42);
        var fleet = new List<SchedulingFacts>(count);
        for (var i = 0; i < count; i++)
        {
            var environment = Environments[random.Next(Environments.Length)];
            var nodes = random.Next(10) == 0 ? random.Next(500, 5000) : random.Next(3, 200);
            var status = random.Next(50) switch { 0 => ClusterStatus.Unreachable, < 5 => ClusterStatus.Degraded, _ => ClusterStatus.Healthy };
            var labels = new Dictionary<string, string> { ["pool"] = random.Next(100) == 0 ? "quarantine" : "general" };
            fleet.Add(new SchedulingFacts(
                new ClusterFacts(Guid.NewGuid(), $"{environment}-{i:D5}", environment, Regions[random.Next(Regions.Length)], "", random.Next(0, 4), labels),
                nodes, status == ClusterStatus.Degraded ? nodes - 1 : nodes, status,
                now - TimeSpan.FromMinutes(random.Next(100) == 0 ? 60 : random.Next(0, 10)),
                random.Next(10) == 0 ? random.Next(1, 4) : 0,
                random.Next(3) == 0 ? null : now - TimeSpan.FromHours(random.Next(1, 24 * 40))));
        }
        return fleet;
    }
}
