using System.Globalization;

namespace AsiOpsPortal.FleetSim.Fleet;

/// <summary>Lays out the fleets FleetSimOptions.Fleet names. Everything derives from the seed, so runs are reproducible.</summary>
internal static class FleetPlans
{
    private static readonly string[] Regions = ["cn-hangzhou", "cn-shanghai", "cn-beijing"];
    private static readonly string[] Zones = ["a", "b", "c"];
    private static readonly string[] ProdVersions = ["v1.30.8", "v1.31.4", "v1.31.5"];
    private static readonly string[] StagingVersions = ["v1.31.5", "v1.32.1"];
    private static readonly string[] TestVersions = ["v1.32.1", "v1.32.3"];

    /// <summary>Fleet start is pinned to the hour so ages in tables look settled rather than freshly created.</summary>
    private static DateTimeOffset Epoch(DateTimeOffset now) => new(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);

    public static IReadOnlyList<ClusterPlan> For(FleetSimOptions options) => options.Fleet switch
    {
        "demo" => Demo(options.Seed),
        "light" => Light(options),
        "empty" => [],
        _ => throw new ArgumentException($"Unknown fleet '{options.Fleet}': use demo, light or empty.", nameof(options)),
    };

    /// <summary>
    /// 24 clusters: per region prod-01 (tier 0, the big one), prod-02/03 (tier 1), staging-01/02 (tier 2), test-01..03 (tier 3).
    /// One prod cluster has two NotReady nodes, the kind of blemish a real fleet always has.
    /// </summary>
    public static IReadOnlyList<ClusterPlan> Demo(int seed)
    {
        var random = new Random(seed);
        var epoch = Epoch(DateTimeOffset.UtcNow);
        var plans = new List<ClusterPlan>();
        string[] largeProd = ["500", "320", ""];
        for (var r = 0; r < Regions.Length; r++)
        {
            var region = Regions[r];
            var shortRegion = region["cn-".Length..];
            var layout = new (string Env, int Ordinal, int Tier, Func<int> Nodes, string[] Versions)[]
            {
                ("prod", 1, 0, () => largeProd[r].Length > 0 ? int.Parse(largeProd[r], CultureInfo.InvariantCulture) : random.Next(60, 151), ProdVersions),
                ("prod", 2, 1, () => random.Next(20, 81), ProdVersions),
                ("prod", 3, 1, () => random.Next(20, 81), ProdVersions),
                ("staging", 1, 2, () => random.Next(5, 31), StagingVersions),
                ("staging", 2, 2, () => random.Next(5, 31), StagingVersions),
                ("test", 1, 3, () => random.Next(3, 11), TestVersions),
                ("test", 2, 3, () => random.Next(3, 11), TestVersions),
                ("test", 3, 3, () => random.Next(3, 11), TestVersions),
            };
            foreach (var (env, ordinal, tier, nodes, versions) in layout)
            {
                var name = $"{env}-{shortRegion}-{ordinal:D2}";
                var count = nodes();
                var info = new SimClusterInfo(name, env, region, $"{region}-{Zones[(ordinal - 1) % 3]}", tier, count,
                    versions[random.Next(versions.Length)]);
                IReadOnlySet<int> notReady = name == "prod-shanghai-02" ? new HashSet<int> { count - 2, count - 1 } : new HashSet<int>();
                plans.Add(new ClusterPlan(info, Full: true, epoch.AddDays(-random.Next(60, 700)), notReady));
            }
        }
        return plans;
    }

    /// <summary>Compact clusters for scale tests: nodes only, no workloads.</summary>
    public static IReadOnlyList<ClusterPlan> Light(FleetSimOptions options)
    {
        var epoch = Epoch(DateTimeOffset.UtcNow);
        var width = Math.Max(5, options.LightClusters.ToString(CultureInfo.InvariantCulture).Length);
        var plans = new ClusterPlan[options.LightClusters];
        var empty = new HashSet<int>();
        string[] environments = ["test", "staging", "prod"];
        string[] versions = [.. TestVersions, .. StagingVersions, .. ProdVersions];
        for (var i = 0; i < plans.Length; i++)
        {
            var env = environments[i % 3];
            var region = Regions[i / 3 % 3];
            var tier = env switch { "prod" => i / 9 % 2, "staging" => 2, _ => 3 };
            var info = new SimClusterInfo($"light-{(i + 1).ToString("D" + width, CultureInfo.InvariantCulture)}", env, region,
                $"{region}-{Zones[i / 9 % 3]}", tier, options.LightNodesPerCluster, versions[i % versions.Length]);
            plans[i] = new ClusterPlan(info, Full: false, epoch.AddDays(-(i % 500) - 30), empty);
        }
        return plans;
    }

    /// <summary>A cluster added at runtime is a full one, like the demo's.</summary>
    public static ClusterPlan Added(int seed, string name, string environment, string region, string zone, int tier, int nodes)
    {
        var versions = environment switch { "prod" => ProdVersions, "staging" => StagingVersions, _ => TestVersions };
        var pick = (int)(Store.Json.Hash(seed.ToString(CultureInfo.InvariantCulture), name) % (ulong)versions.Length);
        var info = new SimClusterInfo(name, environment, region, zone, tier, nodes, versions[pick]);
        return new ClusterPlan(info, Full: true, Epoch(DateTimeOffset.UtcNow).AddDays(-30), new HashSet<int>());
    }
}
