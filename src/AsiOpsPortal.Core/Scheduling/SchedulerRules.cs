using System.Text.RegularExpressions;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Rollouts;

namespace AsiOpsPortal.Core.Scheduling;

/// <summary>A scheduler policy that cannot be saved or planned, with every problem in words a person can act on.</summary>
public sealed class SchedulerPolicyException(IReadOnlyList<string> problems) : Exception(string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>What a valid scheduler policy is.</summary>
public static partial class SchedulerRules
{
    public const int MaxWeight = 100;
    public const double MaxGrowthFactor = 10;
    /// <summary>Far above any real wave; keeps arithmetic on sizes far from overflow.</summary>
    public const int MaxWaveSizeLimit = 100_000;

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\z")]
    private static partial Regex DnsLabel();

    /// <summary>Every problem with <paramref name="policy"/>, empty when it is valid. Needs no fleet: a policy selects, it never names clusters.</summary>
    public static IReadOnlyList<string> Validate(SchedulerPolicyDocument policy)
    {
        var problems = new List<string>();
        if (!DnsLabel().IsMatch(policy.Name ?? "")) problems.Add(PipelineRules.NameRule);

        var shaping = policy.Shaping ?? new WaveShaping();
        var order = shaping.EnvironmentOrder ?? [];
        if (order.Count == 0) problems.Add("The environment order needs at least one environment (e.g. test, staging, prod).");
        if (order.Any(string.IsNullOrWhiteSpace)) problems.Add("The environment order has an empty entry.");
        foreach (var twice in order.Where(e => !string.IsNullOrWhiteSpace(e)).GroupBy(e => e, StringComparer.Ordinal).Where(g => g.Count() > 1))
            problems.Add($"Environment '{twice.Key}' appears {twice.Count()} times in the environment order.");

        var filters = policy.Filters ?? new SchedulerFilters();
        foreach (var environment in filters.Environments ?? [])
            if (!order.Contains(environment))
                problems.Add($"Environment filter '{environment}' is not in the environment order ({string.Join(", ", order)}), so no wave could hold its clusters.");
        if ((filters.Regions ?? []).Any(string.IsNullOrWhiteSpace)) problems.Add("The region filter has an empty entry.");
        if (!ClusterSelector.TryParse(filters.Selector, out _, out var selectorError)) problems.Add($"Selector: {selectorError}");

        var weights = policy.Weights ?? [];
        foreach (var (plugin, weight) in weights)
        {
            if (!ScorePlugins.Names.Contains(plugin))
                problems.Add($"No scoring plugin is named '{plugin}'; the plugins are {string.Join(", ", ScorePlugins.Names)}.");
            else if (weight is < 0 or > MaxWeight)
                problems.Add($"The weight of '{plugin}' must be from 0 to {MaxWeight}, not {weight}.");
        }
        if (!weights.Any(w => ScorePlugins.Names.Contains(w.Key) && w.Value > 0))
            problems.Add("Give at least one scoring plugin a weight above 0, or every cluster would tie.");

        if (shaping.CanarySize < 0) problems.Add("canarySize must be 0 (no canary wave) or more.");
        if (shaping.FirstWaveSize < 1) problems.Add("firstWaveSize must be at least 1.");
        if (double.IsNaN(shaping.GrowthFactor) || shaping.GrowthFactor < 1 || shaping.GrowthFactor > MaxGrowthFactor)
            problems.Add($"growthFactor must be from 1 (waves stay the same size) to {MaxGrowthFactor}.");
        if (shaping.MaxWaveSize < 1 || shaping.MaxWaveSize > MaxWaveSizeLimit) problems.Add($"maxWaveSize must be from 1 to {MaxWaveSizeLimit}.");
        else
        {
            if (shaping.FirstWaveSize > shaping.MaxWaveSize) problems.Add($"firstWaveSize ({shaping.FirstWaveSize}) is above maxWaveSize ({shaping.MaxWaveSize}).");
            if (shaping.CanarySize > shaping.MaxWaveSize) problems.Add($"canarySize ({shaping.CanarySize}) is above maxWaveSize ({shaping.MaxWaveSize}).");
        }
        if (shaping.MaxRegionPercent is < 1 or > 100) problems.Add("maxRegionPercent must be from 1 to 100.");

        Settings("Canary wave", shaping.Canary);
        Settings("Waves", shaping.Waves);
        Settings("Tier-0 waves", shaping.TierZero);
        return problems;

        void Settings(string label, WaveSettings? settings)
        {
            if (settings is null) { problems.Add($"{label}: settings are missing."); return; }
            if (settings.MaxConcurrency < 1) problems.Add($"{label}: maxConcurrency must be at least 1.");
            if (settings.MinSuccessSeconds < 0) problems.Add($"{label}: minSuccessSeconds must be 0 or more.");
            if (settings.ProgressDeadlineSeconds < PipelineRules.MinProgressDeadlineSeconds)
                problems.Add($"{label}: progressDeadlineSeconds must be at least {PipelineRules.MinProgressDeadlineSeconds}.");
            if (!FailureBudget.TryParse(settings.MaxFailures, out _, out var budgetError)) problems.Add($"{label}: {budgetError}");
        }
    }
}
