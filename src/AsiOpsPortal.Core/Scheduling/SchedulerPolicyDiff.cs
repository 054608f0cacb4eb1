using System.Globalization;

namespace AsiOpsPortal.Core.Scheduling;

/// <summary>Short, readable accounts of a scheduler policy and of what an edit changed, for the audit trail.</summary>
public static class SchedulerPolicyDiff
{
    public const string Unchanged = "no changes";

    /// <summary>e.g. <c>weights tier=3, size=1; canary 2, first wave 2, ×2 up to 50, ≤50% of a region; tier 0 last</c>.</summary>
    public static string Summarize(SchedulerPolicyDocument policy)
    {
        var s = policy.Shaping;
        return $"weights {string.Join(", ", policy.Weights.Select(w => $"{w.Key}={w.Value}"))}; environments {string.Join(" → ", s.EnvironmentOrder)}; "
            + $"canary {s.CanarySize}, first wave {s.FirstWaveSize}, ×{Number(s.GrowthFactor)} up to {s.MaxWaveSize}, ≤{s.MaxRegionPercent}% of a region"
            + (s.TierZeroLast ? "; tier 0 last" : "");
    }

    /// <summary>Each setting that differs, as <c>key old → new</c>, or <see cref="Unchanged"/>.</summary>
    public static string Describe(SchedulerPolicyDocument before, SchedulerPolicyDocument after)
    {
        var was = Flatten(before);
        var now = Flatten(after);
        var changes = now.Keys.Union(was.Keys)
            .Where(k => was.GetValueOrDefault(k) != now.GetValueOrDefault(k))
            .Select(k => k == "description" ? "description changed" : $"{k} {was.GetValueOrDefault(k) ?? "none"} → {now.GetValueOrDefault(k) ?? "none"}")
            .ToList();
        return changes.Count == 0 ? Unchanged : string.Join("; ", changes);
    }

    private static Dictionary<string, string?> Flatten(SchedulerPolicyDocument p)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["description"] = p.Description,
            ["filters.environments"] = List(p.Filters.Environments),
            ["filters.regions"] = List(p.Filters.Regions),
            ["filters.selector"] = p.Filters.Selector is null ? null : $"'{p.Filters.Selector}'",
            ["filters.excludeUnreachable"] = Flag(p.Filters.ExcludeUnreachable),
            ["filters.excludeStale"] = Flag(p.Filters.ExcludeStale),
            ["shaping.environmentOrder"] = List(p.Shaping.EnvironmentOrder),
            ["shaping.canarySize"] = Number(p.Shaping.CanarySize),
            ["shaping.firstWaveSize"] = Number(p.Shaping.FirstWaveSize),
            ["shaping.growthFactor"] = Number(p.Shaping.GrowthFactor),
            ["shaping.maxWaveSize"] = Number(p.Shaping.MaxWaveSize),
            ["shaping.maxRegionPercent"] = Number(p.Shaping.MaxRegionPercent),
            ["shaping.tierZeroLast"] = Flag(p.Shaping.TierZeroLast),
        };
        foreach (var (plugin, weight) in p.Weights) values[$"weights.{plugin}"] = Number(weight);
        Settings("canary", p.Shaping.Canary);
        Settings("waves", p.Shaping.Waves);
        Settings("tierZero", p.Shaping.TierZero);
        return values;

        void Settings(string name, WaveSettings w)
        {
            values[$"shaping.{name}.maxConcurrency"] = Number(w.MaxConcurrency);
            values[$"shaping.{name}.minSuccessSeconds"] = Number(w.MinSuccessSeconds);
            values[$"shaping.{name}.progressDeadlineSeconds"] = Number(w.ProgressDeadlineSeconds);
            values[$"shaping.{name}.maxFailures"] = w.MaxFailures;
        }
    }

    private static string List(IEnumerable<string> items) => $"[{string.Join(", ", items)}]";

    private static string Flag(bool value) => value ? "true" : "false";

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
