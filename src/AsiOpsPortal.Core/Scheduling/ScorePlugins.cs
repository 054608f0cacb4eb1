using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Pipelines;

namespace AsiOpsPortal.Core.Scheduling;

/// <summary>
/// What the scheduler knows of one cluster: its metadata, its health as the last inventory sync saw it, and its change
/// history (the service counts failed rollout steps and reads the last successful release).
/// </summary>
public sealed record SchedulingFacts(
    ClusterFacts Cluster,
    int NodesTotal,
    int NodesReady,
    ClusterStatus Status,
    DateTimeOffset? LastSyncAt,
    int RecentFailures,
    DateTimeOffset? LastSuccessAt)
{
    public string Name => Cluster.Name;
}

/// <summary>One plugin's score (0-100, higher goes earlier) for a cluster, and why, in a few words.</summary>
public readonly record struct PluginScore(int Value, string Why);

/// <summary>A scoring plugin: a name people put weights on, what it prefers, and its score for one cluster.</summary>
public sealed record ScorePlugin(string Name, string Prefers, Func<SchedulingFacts, DateTimeOffset, PluginScore> Score);

/// <summary>
/// The scoring plugins. Every score is 0-100 where higher means lower risk, so earlier in the plan. Scores are absolute
/// (they never depend on the rest of the fleet), which keeps a cluster's score stable when others come and go.
/// Add a plugin here and it is weighable, validated, stored and shown everywhere.
/// </summary>
public static class ScorePlugins
{
    public const string Tier = "tier";
    public const string Size = "size";
    public const string Health = "health";
    public const string Failures = "failures";
    public const string Freshness = "freshness";

    /// <summary>Nodes at or above which the size score is 0; it falls on a log scale below that.</summary>
    public const int LargeClusterNodes = 10_000;
    /// <summary>Each failed rollout step in the lookback window costs this many points.</summary>
    public const int PointsPerFailure = 25;
    /// <summary>A successful change older than this no longer vouches for the cluster.</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromDays(30);

    private static readonly double LogOfLarge = Math.Log10(LargeClusterNodes + 1);

    // Planning explains every cluster; the common facts are made once, not once per cluster per plan.
    private static readonly string[] TierFacts = Enumerable.Range(0, ClusterRules.LeastCriticalTier + 1).Select(t => $"tier {t}").ToArray();
    private static readonly string[] NodeFacts = Enumerable.Range(0, 1024).Select(n => n == 1 ? "1 node" : $"{n} nodes").ToArray();
    private static readonly string[] HoursAgoFacts = Enumerable.Range(0, 48).Select(h => $"last success {h}h ago").ToArray();
    private static readonly string[] DaysAgoFacts = Enumerable.Range(0, 400).Select(d => $"last success {d}d ago").ToArray();

    /// <summary>"last success 5h ago", worded as <see cref="ClusterRules.FormatAge"/> words it, from a table for the usual ages.</summary>
    private static string FreshnessFact(TimeSpan age) =>
        age.TotalMinutes >= 90 && age.TotalHours < 48 ? HoursAgoFacts[(int)age.TotalHours]
        : age.TotalHours >= 48 && age.TotalDays < DaysAgoFacts.Length ? DaysAgoFacts[(int)age.TotalDays]
        : $"last success {ClusterRules.FormatAge(age)} ago";

    public static readonly IReadOnlyList<ScorePlugin> All =
    [
        new(Tier, "less critical tiers first", (c, _) =>
        {
            var tier = Math.Clamp(c.Cluster.Tier, ClusterRules.MostCriticalTier, ClusterRules.LeastCriticalTier);
            return new(100 * tier / ClusterRules.LeastCriticalTier, tier == c.Cluster.Tier ? TierFacts[tier] : $"tier {c.Cluster.Tier}");
        }),
        new(Size, "fewer nodes first", (c, _) =>
        {
            var nodes = Math.Max(0, c.NodesTotal);
            var score = (int)Math.Round(100 * (1 - Math.Min(1, Math.Log10(nodes + 1) / LogOfLarge)));
            return new(score, nodes < NodeFacts.Length ? NodeFacts[nodes] : $"{nodes} nodes");
        }),
        new(Health, "healthier first", (c, now) => HealthScore(c, now)),
        new(Failures, "fewer recent change failures first", (c, _) =>
            new(Math.Max(0, 100 - PointsPerFailure * c.RecentFailures),
                c.RecentFailures == 0 ? "no recent failures" : c.RecentFailures == 1 ? "1 recent failure" : $"{c.RecentFailures} recent failures")),
        new(Freshness, "recently changed successfully first", (c, now) =>
        {
            if (c.LastSuccessAt is not { } at) return new(0, "never changed successfully");
            var age = now - at;
            var score = age <= TimeSpan.Zero ? 100 : (int)Math.Round(100 * Math.Max(0, 1 - age / FreshFor));
            return new(score, FreshnessFact(age));
        }),
    ];

    public static IReadOnlyList<string> Names { get; } = All.Select(p => p.Name).ToList();

    /// <summary>Where <paramref name="name"/> stands among the plugins; unknown names sort after all of them.</summary>
    public static int OrderOf(string name)
    {
        for (var i = 0; i < All.Count; i++)
            if (All[i].Name == name) return i;
        return int.MaxValue;
    }

    private static PluginScore HealthScore(SchedulingFacts c, DateTimeOffset now)
    {
        var (score, why) = c.Status switch
        {
            ClusterStatus.Healthy => (100, "healthy"),
            // Degraded keeps a share of 80 in proportion to its ready nodes: one NotReady node of many costs little.
            ClusterStatus.Degraded => (c.NodesTotal == 0 ? 0 : 80 * c.NodesReady / c.NodesTotal, $"{c.NodesTotal - c.NodesReady} of {c.NodesTotal} nodes NotReady"),
            ClusterStatus.Unknown => (20, "not synced yet"),
            _ => (0, "unreachable"),
        };
        if (c.Status is ClusterStatus.Healthy or ClusterStatus.Degraded && ClusterRules.IsStale(c.LastSyncAt, now))
            return new(score / 2, $"{why}, but stale");
        return new(score, why);
    }
}
