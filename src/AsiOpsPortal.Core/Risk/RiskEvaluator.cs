using AsiOpsPortal.Core.Changes;

namespace AsiOpsPortal.Core.Risk;

/// <summary>Runs every enabled built-in rule over a proposal; a rule without stored settings runs with its defaults.</summary>
public static class RiskEvaluator
{
    public static IReadOnlyList<RiskFinding> Evaluate(RiskContext context, IReadOnlyCollection<RiskRuleSetting> settings)
    {
        var findings = new List<RiskFinding>();
        foreach (var rule in BuiltInRules.All)
        {
            var setting = Effective(rule, settings);
            if (!setting.Enabled) continue;
            findings.AddRange(rule.Check(context, rule.Inputs(setting))
                .Select(message => new RiskFinding { Rule = rule.Name, Severity = setting.Severity, Message = message }));
        }
        return findings;
    }

    /// <summary>The stored settings of <paramref name="rule"/>, or its defaults when none are stored.</summary>
    public static RiskRuleSetting Effective(RiskRule rule, IReadOnlyCollection<RiskRuleSetting> settings) =>
        settings.FirstOrDefault(s => s.Rule.Equals(rule.Name, StringComparison.OrdinalIgnoreCase)) ?? rule.Defaults();

    /// <summary>Stored settings that name no built-in rule (left over from a renamed or removed rule): ignored, worth a log line.</summary>
    public static IReadOnlyList<string> Unknown(IEnumerable<RiskRuleSetting> settings) =>
        settings.Where(s => BuiltInRules.Find(s.Rule) is null).Select(s => s.Rule).ToList();

    /// <summary>Checks the proposal, grades its risk and says how many approvals it needs.</summary>
    public static (IReadOnlyList<RiskFinding> Findings, RiskGrade Grade) Assess(RiskContext context, IReadOnlyCollection<RiskRuleSetting> settings)
    {
        var findings = Evaluate(context, settings);
        return (findings, RiskGrading.Of(context, findings));
    }
}

public sealed record RiskGrade(RiskLevel Level, IReadOnlyList<string> Reasons);

/// <summary>
/// The risk level of a change, from its scope (environments, tier-0 clusters, how many clusters) and what the rules found,
/// with the reasons a reviewer reads. The approval policy follows the level.
/// </summary>
public static class RiskGrading
{
    /// <summary>From this many clusters a change outside production is Medium rather than Low.</summary>
    public const int ManyClusters = 20;

    public static RiskGrade OfScope(RiskContext context)
    {
        var clusters = context.Clusters.ToList();
        var production = clusters.Where(c => ApprovalPolicy.IsProduction(c.Environment)).ToList();
        var tier0 = clusters.Where(c => c.Tier == 0).ToList();
        var level = RiskLevel.Low;
        var reasons = new List<string>();
        if (tier0.Count > 0)
        {
            level = RiskLevel.Critical;
            reasons.Add($"Reaches {tier0.Count} tier-0 cluster(s): {string.Join(", ", tier0.Take(5).Select(c => c.Name))}{(tier0.Count > 5 ? ", …" : "")}.");
        }
        if (production.Count > 0)
        {
            level = Max(level, RiskLevel.High);
            reasons.Add($"Reaches {production.Count} production cluster(s).");
        }
        if (clusters.Count >= ManyClusters)
        {
            level = Max(level, RiskLevel.Medium);
            reasons.Add($"Reaches {clusters.Count} clusters ({ManyClusters} or more).");
        }
        if (reasons.Count == 0)
            reasons.Add($"Reaches {clusters.Count} cluster(s) outside production ({string.Join(", ", clusters.Select(c => c.Environment).Distinct(StringComparer.OrdinalIgnoreCase))}), none of tier 0.");
        return new RiskGrade(level, reasons);
    }

    public static RiskGrade Of(RiskContext context, IReadOnlyList<RiskFinding> findings)
    {
        var scope = OfScope(context);
        var level = scope.Level;
        var reasons = scope.Reasons.ToList();
        var blocking = findings.Count(f => f.Severity == RuleSeverity.Blocking);
        var warnings = findings.Count - blocking;
        // A change that only goes ahead over a blocking finding is as risky as it gets: it needs an Admin's approval too.
        if (blocking > 0)
        {
            level = RiskLevel.Critical;
            reasons.Add($"{blocking} blocking rule finding(s).");
        }
        if (warnings > 0)
        {
            level = Max(level, RiskLevel.Medium);
            reasons.Add($"{warnings} rule warning(s).");
        }
        return new RiskGrade(level, reasons);
    }

    private static RiskLevel Max(RiskLevel a, RiskLevel b) => a > b ? a : b;
}
