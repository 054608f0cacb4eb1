using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Pipelines;

namespace AsiOpsPortal.Core.Risk;

/// <summary>The library of risk rules the portal ships; settings choose which run, how hard, and with what parameters.</summary>
public static class BuiltInRules
{
    public static readonly IReadOnlyList<RiskRule> All =
    [
        new ProductionStagedRule(),
        new CanaryWaveRule(),
        new ProductionSoakRule(),
        new ProductionWaveSizeRule(),
        new RegionShareRule(),
        new RollbackPlanRule(),
        new LowerEnvironmentFirstRule(),
        new Tier0BusinessHoursRule(),
    ];

    public static RiskRule? Find(string name) => All.FirstOrDefault(r => r.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>Production changes go in stages: at least N waves, and never production or tier-0 clusters in the first.</summary>
public sealed class ProductionStagedRule : RiskRule
{
    public override string Name => "production-staged";
    public override string Title => "Production changes need several waves, and the first wave holds no production or tier-0 cluster";
    public override string DefaultScope => Production;
    public override IReadOnlyList<RuleParameter> Parameters =>
        [RuleParameter.WholeNumber("minWaves", "2", "Fewest waves a change that reaches production may have.", min: 1)];

    public override IEnumerable<string> Check(RiskContext context, RuleInputs inputs)
    {
        var production = context.Clusters.Where(inputs.InScope).ToList();
        if (context.Waves.Count == 0) yield break;
        var minWaves = inputs.WholeNumber("minWaves");
        if (production.Count > 0 && context.Waves.Count < minWaves)
            yield return $"The change reaches production clusters ({Names(production)}) in {context.Waves.Count} wave(s); production changes need at least {minWaves} waves so a problem shows before all of production is touched. Use a pipeline with more waves.";
        var first = context.Waves[0];
        var firstProduction = first.Clusters.Where(inputs.InScope).ToList();
        if (firstProduction.Count > 0)
            yield return $"{WaveLabel(context, first)} holds production cluster(s) {Names(firstProduction)}; the first wave may not hold production clusters. Move them to a later wave.";
        var tier0 = first.Clusters.Where(c => c.Tier == 0).ToList();
        if (tier0.Count > 0)
            yield return $"{WaveLabel(context, first)} holds tier-0 cluster(s) {Names(tier0)}; the first wave may not hold tier-0 clusters. Move them to a later wave.";
    }
}

/// <summary>A canary wave (which tolerates no failure) must run no later than the first wave that reaches production.</summary>
public sealed class CanaryWaveRule : RiskRule
{
    public override string Name => "canary-wave";
    public override string Title => "A canary wave runs before (or as) the first production wave";
    public override string DefaultScope => Production;

    public override IEnumerable<string> Check(RiskContext context, RuleInputs inputs)
    {
        var firstInScope = -1;
        for (var i = 0; i < context.Waves.Count && firstInScope < 0; i++)
            if (context.Waves[i].Clusters.Any(inputs.InScope)) firstInScope = i;
        if (firstInScope < 0) yield break;
        if (context.Waves.Take(firstInScope + 1).Any(w => w.Canary)) yield break;
        var wave = context.Waves[firstInScope];
        yield return context.Waves.Any(w => w.Canary)
            ? $"The canary wave runs after {WaveLabel(context, wave)}, which already reaches production; mark an earlier wave as canary."
            : $"No wave is marked canary; a change that reaches production needs a canary wave (one that tolerates no failure) no later than {WaveLabel(context, wave)}. Mark an early wave as canary in the pipeline.";
    }
}

/// <summary>High-risk changes soak between production waves long enough for trouble to show.</summary>
public sealed class ProductionSoakRule : RiskRule
{
    public override string Name => "production-soak";
    public override string Title => "High-risk changes soak between production waves";
    public override RuleSeverity DefaultSeverity => RuleSeverity.Warning;
    public override string DefaultScope => Production;
    public override IReadOnlyList<RuleParameter> Parameters =>
    [
        RuleParameter.WholeNumber("minSoakSeconds", "3600", "Least soak (minSuccessSeconds) of a production wave that another production wave follows."),
        RuleParameter.Text("fromRisk", nameof(RiskLevel.High), "The scope risk level from which the rule applies (Low, Medium, High, Critical).",
            v => Enum.TryParse<RiskLevel>(v.Trim(), ignoreCase: true, out var level) && Enum.IsDefined(level) ? null : "fromRisk must be Low, Medium, High or Critical."),
    ];

    public override IEnumerable<string> Check(RiskContext context, RuleInputs inputs)
    {
        var fromRisk = Enum.Parse<RiskLevel>(inputs.Text("fromRisk"), ignoreCase: true);
        var risk = context.ScopeRisk;
        if (risk < fromRisk) yield break;
        var minSoak = inputs.WholeNumber("minSoakSeconds");
        var production = context.Waves.Where(w => w.Clusters.Any(inputs.InScope)).ToList();
        foreach (var wave in production.SkipLast(1).Where(w => w.MinSuccessSeconds < minSoak))
            yield return $"{WaveLabel(context, wave)} soaks {Duration(wave.MinSuccessSeconds)} before the next production wave; {risk.ToString().ToLowerInvariant()}-risk changes need at least {Duration(minSoak)} between production waves. Raise its minSuccessSeconds to {minSoak}.";
    }

    private static string Duration(int seconds) =>
        seconds >= 3600 && seconds % 3600 == 0 ? $"{seconds / 3600} h" : seconds >= 60 && seconds % 60 == 0 ? $"{seconds / 60} min" : $"{seconds} s";
}

/// <summary>No wave holds more than a set number (or share) of the production clusters the change reaches.</summary>
public sealed class ProductionWaveSizeRule : RiskRule
{
    public override string Name => "production-wave-size";
    public override string Title => "At most N clusters (or N%) of production in one wave";
    public override string DefaultScope => Production;
    public override IReadOnlyList<RuleParameter> Parameters =>
        [RuleParameter.Limit("maxPerWave", "60%", "Most production clusters in one wave: a count (5) or a share of the change's production clusters (60%).")];

    public override IEnumerable<string> Check(RiskContext context, RuleInputs inputs)
    {
        var total = context.Clusters.Count(inputs.InScope);
        if (total == 0) yield break;
        var limit = inputs.Limit("maxPerWave");
        var allowed = limit.Allowed(total);
        foreach (var wave in context.Waves)
        {
            var count = wave.Clusters.Count(inputs.InScope);
            if (count > allowed)
                yield return $"{WaveLabel(context, wave)} holds {count} of {total} production clusters; at most {limit} ({allowed}) may be in one wave. Split it into smaller waves.";
        }
    }
}

/// <summary>No wave holds more than a share of one region's clusters in the change, so a bad wave never takes a whole region.</summary>
public sealed class RegionShareRule : RiskRule
{
    public override string Name => "region-share";
    public override string Title => "At most N% of one region in one wave";
    public override IReadOnlyList<RuleParameter> Parameters =>
        [RuleParameter.Limit("maxShare", "50%", "Most of one region's planned clusters in one wave: a share (50%) or a count (3).")];

    public override IEnumerable<string> Check(RiskContext context, RuleInputs inputs)
    {
        var limit = inputs.Limit("maxShare");
        var totals = context.Clusters.Where(c => inputs.InScope(c) && c.Region.Length > 0)
            .GroupBy(c => c.Region, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
        foreach (var wave in context.Waves)
        {
            foreach (var region in wave.Clusters.Where(c => inputs.InScope(c) && c.Region.Length > 0).GroupBy(c => c.Region, StringComparer.OrdinalIgnoreCase))
            {
                var total = totals[region.Key];
                var allowed = limit.Allowed(total);
                if (region.Count() > allowed)
                    yield return $"{WaveLabel(context, wave)} holds {region.Count()} of the change's {total} clusters in region {region.Key} ({Names(region)}); at most {limit} ({allowed}) of one region may be in one wave. Spread them over more waves.";
            }
        }
    }
}

/// <summary>A change that reaches production says what to do if it goes wrong.</summary>
public sealed class RollbackPlanRule : RiskRule
{
    public override string Name => "rollback-plan";
    public override string Title => "Production changes need a rollback plan";
    public override string DefaultScope => Production;

    public override IEnumerable<string> Check(RiskContext context, RuleInputs inputs)
    {
        var production = context.Clusters.Where(inputs.InScope).ToList();
        if (production.Count > 0 && string.IsNullOrWhiteSpace(context.RollbackPlan))
            yield return $"The change reaches production clusters ({Names(production)}) but has no rollback plan. Say what to do if it goes wrong (for example: roll back in the portal to each cluster's previous version).";
    }
}

/// <summary>
/// A version climbs the environment ladder (test → staging → prod): before it reaches an environment, it has succeeded in a
/// lower one, either in an earlier change or in an earlier wave of this one. Ad-hoc manifests have no version to follow.
/// </summary>
public sealed class LowerEnvironmentFirstRule : RiskRule
{
    public override string Name => "lower-environment-first";
    public override string Title => "The version has succeeded in a lower environment first (test → staging → prod)";
    public override IReadOnlyList<RuleParameter> Parameters =>
        [RuleParameter.Text("ladder", "test,staging,prod", "Environments from lowest to highest, comma-separated.")];

    public override IEnumerable<string> Check(RiskContext context, RuleInputs inputs)
    {
        if (context.Version is null) yield break;
        var ladder = inputs.Text("ladder").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        int Rank(string environment) => ladder.FindIndex(e => e.Equals(environment, StringComparison.OrdinalIgnoreCase));
        var reported = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var lowestEarlier = int.MaxValue;
        foreach (var wave in context.Waves)
        {
            var here = wave.Clusters.Where(inputs.InScope).ToList();
            foreach (var environment in here.GroupBy(c => c.Environment, StringComparer.OrdinalIgnoreCase))
            {
                var rank = Rank(environment.Key);
                if (rank <= 0 || reported.Contains(environment.Key)) continue;
                var provenBefore = context.SucceededIn.Any(e => Rank(e) is >= 0 and var r && r < rank);
                if (provenBefore || lowestEarlier < rank) continue;
                reported.Add(environment.Key);
                var lower = string.Join(" or ", ladder.Take(rank));
                yield return $"Version {context.Version} has not succeeded in {lower} yet, and no earlier wave covers {lower} before {WaveLabel(context, wave)} reaches {environment.Key} ({Names(environment)}). Roll it out to {ladder[rank - 1]} first, or add a {ladder[rank - 1]} wave before.";
            }
            foreach (var cluster in here)
                if (Rank(cluster.Environment) is >= 0 and var r) lowestEarlier = Math.Min(lowestEarlier, r);
        }
    }
}

/// <summary>Tier-0 clusters are changed only inside business hours, when the people who know them are at work.</summary>
public sealed class Tier0BusinessHoursRule : RiskRule
{
    public override string Name => "tier0-business-hours";
    public override string Title => "Tier-0 clusters only inside business hours";
    public override RuleSeverity DefaultSeverity => RuleSeverity.Warning;
    public override IReadOnlyList<RuleParameter> Parameters =>
    [
        RuleParameter.WholeNumber("maxTier", "0", "Clusters of this tier or more critical (lower) count as tier 0."),
        RuleParameter.Text("days", "Mon-Fri", "Business days: Mon-Fri, or a list like Mon,Tue,Thu.", BusinessHours.DaysProblem),
        RuleParameter.Text("hours", "09:00-18:00", "Business hours, start-end, 24-hour clock.", BusinessHours.HoursProblem),
        RuleParameter.Text("timeZone", "UTC", "Time zone of the business hours (IANA name, e.g. Asia/Shanghai).", BusinessHours.ZoneProblem),
    ];

    public override IEnumerable<string> Check(RiskContext context, RuleInputs inputs)
    {
        var maxTier = inputs.WholeNumber("maxTier");
        var critical = context.Clusters.Where(c => inputs.InScope(c) && c.Tier <= maxTier).ToList();
        if (critical.Count == 0) yield break;
        var hours = BusinessHours.Parse(inputs.Text("days"), inputs.Text("hours"), inputs.Text("timeZone"));
        if (!hours.Contains(context.Now))
            yield return $"It is {hours.Describe(context.Now)}; tier-{maxTier} clusters ({Names(critical)}) may only be changed {hours}. Propose it inside business hours, or take them out of the plan.";
    }
}
