using System.Globalization;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Pipelines;

namespace AsiOpsPortal.Core.Scheduling;

public enum ScheduledWaveKind
{
    Canary,
    Regular,
    TierZero,
}

/// <summary>An explained plan: ordered waves of ordered clusters with their scores, and every cluster left out with its reason.</summary>
public sealed record SchedulerPlan(IReadOnlyList<ScheduledWave> Waves, IReadOnlyList<ExcludedCluster> Excluded)
{
    public int PlannedCount => Waves.Sum(w => w.Clusters.Count);

    /// <summary>
    /// The plan a change stores and a rollout runs: each wave's clusters in order with the policy's settings for its kind.
    /// Excluded clusters become <see cref="ChangePlan.Unplanned"/> (shown, never rolled to). Previous versions are left for the caller.
    /// </summary>
    public ChangePlan ToChangePlan() => new()
    {
        Waves = Waves.Select(w => new PlannedWave
        {
            Name = w.Name,
            MaxConcurrency = w.Settings.MaxConcurrency,
            MinSuccessSeconds = w.Settings.MinSuccessSeconds,
            ProgressDeadlineSeconds = w.Settings.ProgressDeadlineSeconds,
            MaxFailures = w.Settings.MaxFailures,
            Canary = w.Kind == ScheduledWaveKind.Canary,
            Clusters = w.Clusters.Select(c => new PlannedCluster { ClusterId = c.ClusterId, Name = c.Name, Environment = c.Environment }).ToList(),
        }).ToList(),
        Unplanned = Excluded.Select(e => e.Name).ToList(),
    };
}

public sealed record ScheduledWave(string Name, string Environment, ScheduledWaveKind Kind, WaveSettings Settings, IReadOnlyList<ScheduledCluster> Clusters, string Why);

/// <summary>
/// One planned cluster: its score per plugin (and the fact behind each), the weighted total, its rank within its
/// environment, its wave and position (both 1-based), and why it sits there.
/// </summary>
public sealed record ScheduledCluster(
    Guid ClusterId,
    string Name,
    string Environment,
    string Region,
    int Tier,
    IReadOnlyDictionary<string, int> Scores,
    IReadOnlyDictionary<string, string> Facts,
    double Total,
    int Rank,
    int Wave,
    int Position,
    string Why);

public sealed record ExcludedCluster(Guid ClusterId, string Name, string Environment, string Region, string Reason);

/// <summary>
/// Plans a change's path through the fleet the way a pod scheduler places pods: filter (with a reason for everyone left
/// out), score with weighted plugins, then shape waves: environments in order, a canary of the lowest-risk clusters,
/// waves growing by a factor up to a cap, at most a share of one region per wave, tier 0 last. Pure and deterministic:
/// the same fleet, policy and clock give the same plan; ties go by name.
/// </summary>
public static class ClusterScheduler
{
    /// <summary>Throws <see cref="SchedulerPolicyException"/> when the policy is not valid.</summary>
    public static SchedulerPlan Plan(SchedulerPolicyDocument policy, IReadOnlyList<SchedulingFacts> fleet, DateTimeOffset now)
    {
        var problems = SchedulerRules.Validate(policy);
        if (problems.Count > 0) throw new SchedulerPolicyException(problems);

        var shaping = policy.Shaping;
        var order = shaping.EnvironmentOrder;
        ClusterSelector.TryParse(policy.Filters.Selector, out var selector, out _);
        var plugins = ScorePlugins.All;
        var weights = plugins.Select(p => policy.Weights.TryGetValue(p.Name, out var w) ? w : 0).ToArray();
        double weightSum = weights.Sum();

        var seen = new HashSet<string>(fleet.Count, StringComparer.Ordinal);
        var excluded = new List<ExcludedCluster>();
        var byEnvironment = order.ToDictionary(e => e, _ => new List<Candidate>(), StringComparer.Ordinal);
        // No sort by name up front: candidates are sorted by risk (name breaks ties) and the excluded by name, which is all that order needs.
        foreach (var cluster in fleet)
        {
            if (!seen.Add(cluster.Name)) continue;
            var reason = ExclusionReason(policy.Filters, selector, order, cluster, now);
            if (reason is not null)
            {
                var c = cluster.Cluster;
                excluded.Add(new ExcludedCluster(c.Id, c.Name, c.Environment, c.Region, reason));
                continue;
            }
            var scores = new int[plugins.Count];
            var facts = new string[plugins.Count];
            double weighted = 0;
            for (var i = 0; i < plugins.Count; i++)
            {
                var score = plugins[i].Score(cluster, now);
                scores[i] = score.Value;
                facts[i] = score.Why;
                weighted += weights[i] * score.Value;
            }
            // Rounded so the total people read is the total that ordered them.
            var total = Math.Round(weighted / weightSum, 2);
            byEnvironment[cluster.Cluster.Environment].Add(new Candidate(cluster, scores, facts, total, (long)Math.Round(total * 100)));
        }

        excluded.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        var waves = new List<WaveDraft>();
        var canaryTaken = shaping.CanarySize == 0;
        foreach (var environment in order)
        {
            var ranked = byEnvironment[environment];
            if (ranked.Count == 0) continue;
            ranked.Sort(ByRisk);
            for (var i = 0; i < ranked.Count; i++) ranked[i].Rank = i + 1;
            var limits = ranked.GroupBy(c => c.Facts.Cluster.Region, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => Math.Max(1, g.Count() * shaping.MaxRegionPercent / 100), StringComparer.Ordinal);

            var regular = shaping.TierZeroLast ? ranked.Where(c => c.Facts.Cluster.Tier != ClusterRules.MostCriticalTier).ToList() : ranked;
            var tierZero = shaping.TierZeroLast ? ranked.Where(c => c.Facts.Cluster.Tier == ClusterRules.MostCriticalTier).ToList() : [];
            if (!canaryTaken && regular.Count > 0)
            {
                canaryTaken = true;
                var canary = Fill(regular, shaping.CanarySize, limits);
                waves.Add(new WaveDraft("canary", environment, ScheduledWaveKind.Canary, shaping.Canary, canary.Taken,
                    $"Canary: the {Count(canary.Taken.Count)} lowest-risk in {environment}{canary.Limited}; tolerates no failure."));
                regular = canary.Remaining;
            }
            Grow(regular, environment, ScheduledWaveKind.Regular, $"{environment}-", shaping.Waves);
            Grow(tierZero, environment, ScheduledWaveKind.TierZero, $"{environment}-tier0-", shaping.TierZero);

            void Grow(List<Candidate> rest, string env, ScheduledWaveKind kind, string prefix, WaveSettings settings)
            {
                var size = Math.Min(shaping.FirstWaveSize, shaping.MaxWaveSize);
                for (var n = 1; rest.Count > 0; n++)
                {
                    var wave = Fill(rest, size, limits);
                    var what = kind == ScheduledWaveKind.TierZero ? $"tier-0 clusters of {env}, after the rest of {env}" : $"{env}";
                    waves.Add(new WaveDraft($"{prefix}{n}", env, kind, settings, wave.Taken,
                        $"Wave {n} of {what}: up to {size} by risk{(n == 1 ? "" : $" (×{Format(shaping.GrowthFactor)} growth, cap {shaping.MaxWaveSize})")}{wave.Limited}."));
                    rest = wave.Remaining;
                    size = (int)Math.Min(shaping.MaxWaveSize, Math.Ceiling(size * shaping.GrowthFactor));
                }
            }
        }

        var scheduled = new List<ScheduledWave>(waves.Count);
        for (var w = 0; w < waves.Count; w++)
        {
            var draft = waves[w];
            var clusters = new List<ScheduledCluster>(draft.Clusters.Count);
            for (var p = 0; p < draft.Clusters.Count; p++)
                clusters.Add(Explain(draft.Clusters[p], draft, w + 1, p + 1));
            scheduled.Add(new ScheduledWave(draft.Name, draft.Environment, draft.Kind, SchedulerPolicyDocument.Copy(draft.Settings), clusters, draft.Why));
        }
        return new SchedulerPlan(scheduled, excluded);
    }

    /// <summary>Why a cluster may not take part, or null when it may. The first failing filter is the reason given.</summary>
    public static string? ExclusionReason(SchedulerFilters filters, ClusterSelector selector, IReadOnlyList<string> order, SchedulingFacts facts, DateTimeOffset now)
    {
        var c = facts.Cluster;
        if (!order.Contains(c.Environment))
            return $"environment '{c.Environment}' is not in the environment order ({string.Join(", ", order)})";
        if (filters.Environments.Count > 0 && !filters.Environments.Contains(c.Environment))
            return $"environment '{c.Environment}' is not among the policy's environments ({string.Join(", ", filters.Environments)})";
        if (filters.Regions.Count > 0 && !filters.Regions.Contains(c.Region))
            return $"region '{c.Region}' is not among the policy's regions ({string.Join(", ", filters.Regions)})";
        if (!selector.IsEmpty && !selector.Matches(c))
            return $"does not match the selector '{selector}'";
        if (filters.ExcludeUnreachable && facts.Status == ClusterStatus.Unreachable)
            return "unreachable at the last inventory sync";
        if (filters.ExcludeStale && ClusterRules.IsStale(facts.LastSyncAt, now))
            return facts.LastSyncAt is { } at ? $"stale: last inventory sync {ClusterRules.FormatAge(now - at)} ago" : "never synced, so its health is unknown";
        return null;
    }

    /// <summary>Lowest risk first: the highest total, then by name so ties always break the same way.</summary>
    private static int ByRisk(Candidate a, Candidate b)
    {
        var byTotal = b.Hundredths.CompareTo(a.Hundredths);
        return byTotal != 0 ? byTotal : string.CompareOrdinal(a.Facts.Name, b.Facts.Name);
    }

    /// <summary>
    /// Takes up to <paramref name="size"/> clusters in rank order, skipping any whose region already has its limit in this wave;
    /// the skipped keep their rank order for the next wave. Always takes at least one, since every limit is at least one.
    /// </summary>
    private static (List<Candidate> Taken, List<Candidate> Remaining, string Limited) Fill(List<Candidate> ranked, int size, Dictionary<string, int> limits)
    {
        var taken = new List<Candidate>(Math.Min(size, ranked.Count));
        var rest = new List<Candidate>(Math.Max(0, ranked.Count - size));
        var perRegion = new Dictionary<string, int>(StringComparer.Ordinal);
        var held = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var candidate in ranked)
        {
            if (taken.Count >= size) { rest.Add(candidate); continue; }
            var region = candidate.Facts.Cluster.Region;
            var inWave = perRegion.GetValueOrDefault(region);
            if (inWave >= limits[region])
            {
                held.Add(region);
                candidate.HeldBackAt = limits[region];
                rest.Add(candidate);
                continue;
            }
            perRegion[region] = inWave + 1;
            taken.Add(candidate);
        }
        var limited = held.Count == 0 ? "" : $"; region limit reached for {string.Join(", ", held.Select(r => $"{r} ({limits[r]})"))}";
        return (taken, rest, limited);
    }

    private static ScheduledCluster Explain(Candidate candidate, WaveDraft wave, int waveNumber, int position)
    {
        var c = candidate.Facts.Cluster;
        var heldBack = candidate.HeldBackAt is { } limit ? $"; held back from an earlier wave: at most {limit} of {c.Region} per wave" : "";
        var why = wave.Kind switch
        {
            ScheduledWaveKind.Canary => $"Canary: rank {candidate.Rank} in {c.Environment} by total {Format(candidate.Total)}{heldBack}.",
            ScheduledWaveKind.TierZero => $"Tier 0 goes last in {c.Environment}; rank {candidate.Rank} by total {Format(candidate.Total)}{heldBack}.",
            _ => $"Rank {candidate.Rank} in {c.Environment} by total {Format(candidate.Total)}{heldBack}.",
        };
        return new ScheduledCluster(c.Id, c.Name, c.Environment, c.Region, c.Tier, new PluginValues<int>(candidate.Scores), new PluginValues<string>(candidate.Why),
            candidate.Total, candidate.Rank, waveNumber, position, why);
    }

    private static string Count(int n) => n == 1 ? "1 cluster" : $"{n} clusters";

    private static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private sealed class Candidate(SchedulingFacts facts, int[] scores, string[] why, double total, long hundredths)
    {
        /// <summary>The total in hundredths: what it was rounded to, compared as an integer.</summary>
        public long Hundredths { get; } = hundredths;
        public SchedulingFacts Facts { get; } = facts;
        public int[] Scores { get; } = scores;
        public string[] Why { get; } = why;
        public double Total { get; } = total;
        public int Rank { get; set; }
        /// <summary>The region's limit, when it pushed the cluster out of a wave it ranked for.</summary>
        public int? HeldBackAt { get; set; }
    }

    private sealed record WaveDraft(string Name, string Environment, ScheduledWaveKind Kind, WaveSettings Settings, List<Candidate> Clusters, string Why);
}

/// <summary>
/// One value per scoring plugin, keyed by plugin name in the plugins' order: a read-only dictionary over an array, so
/// explaining ten thousand clusters does not build twenty thousand hash tables.
/// </summary>
public sealed class PluginValues<T>(T[] values) : IReadOnlyDictionary<string, T>
{
    public T this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No scoring plugin is named '{key}'.");

    public IEnumerable<string> Keys => ScorePlugins.Names;

    public IEnumerable<T> Values => values;

    public int Count => values.Length;

    public bool ContainsKey(string key) => ScorePlugins.OrderOf(key) < values.Length;

    public bool TryGetValue(string key, out T value)
    {
        var index = ScorePlugins.OrderOf(key);
        var found = index < values.Length;
        value = found ? values[index] : default!;
        return found;
    }

    public IEnumerator<KeyValuePair<string, T>> GetEnumerator()
    {
        for (var i = 0; i < values.Length; i++) yield return new(ScorePlugins.Names[i], values[i]);
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
