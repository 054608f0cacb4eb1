using System.Globalization;
using AsiOpsPortal.Core.Pipelines;

namespace AsiOpsPortal.Core.Risk;

/// <summary>A parameter a rule takes: its default, what it means, and a check that says what is wrong with a value (null: fine).</summary>
public sealed record RuleParameter(string Name, string Default, string Description, Func<string, string?> Problem)
{
    public static RuleParameter WholeNumber(string name, string @default, string description, int min = 0) =>
        new(name, @default, description, v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
            ? null : $"{name} must be a whole number of at least {min}.");

    public static RuleParameter Limit(string name, string @default, string description) =>
        new(name, @default, description, v => ClusterLimit.TryParse(v, out _) ? null
            : $"{name} must be a number of clusters (e.g. 5) or a percentage from 1% to 100% (e.g. 50%).");

    public static RuleParameter Text(string name, string @default, string description, Func<string, string?>? problem = null) =>
        new(name, @default, description, problem ?? (v => v.Trim().Length > 0 ? null : $"{name} may not be empty."));
}

/// <summary>A rule's settings as it runs: the scope parsed and the parameters with defaults filled in.</summary>
public sealed class RuleInputs(ClusterSelector scope, IReadOnlyDictionary<string, string> parameters)
{
    public bool InScope(ClusterFacts cluster) => scope.IsEmpty || scope.Matches(cluster);

    public string Text(string name) => parameters[name].Trim();

    public int WholeNumber(string name) => int.Parse(Text(name), NumberStyles.None, CultureInfo.InvariantCulture);

    public ClusterLimit Limit(string name) => ClusterLimit.Parse(Text(name));
}

/// <summary>
/// One built-in risk rule: pure code over a <see cref="RiskContext"/> that returns what it found, each message saying what
/// is wrong and how to fix it. Quiet (nothing returned) when the proposal is fine or the rule does not apply.
/// </summary>
public abstract class RiskRule
{
    public const string Production = "environment in (prod,production)";

    public abstract string Name { get; }
    public abstract string Title { get; }
    public virtual RuleSeverity DefaultSeverity => RuleSeverity.Blocking;
    public virtual string DefaultScope => "";
    public virtual IReadOnlyList<RuleParameter> Parameters => [];

    public abstract IEnumerable<string> Check(RiskContext context, RuleInputs inputs);

    public RiskRuleSetting Defaults() => new()
    {
        Rule = Name,
        Severity = DefaultSeverity,
        Scope = DefaultScope,
        Parameters = Parameters.ToDictionary(p => p.Name, p => p.Default),
    };

    /// <summary>What is wrong with <paramref name="setting"/> for this rule, in words; empty when it can be saved.</summary>
    public IReadOnlyList<string> Problems(RiskRuleSetting setting)
    {
        var problems = new List<string>();
        if (!ClusterSelector.TryParse(setting.Scope, out _, out var scopeError)) problems.Add($"Scope: {scopeError}");
        foreach (var unknown in setting.Parameters.Keys.Where(k => Parameters.All(p => p.Name != k)))
            problems.Add($"Rule '{Name}' has no parameter '{unknown}'; it takes: {(Parameters.Count == 0 ? "none" : string.Join(", ", Parameters.Select(p => p.Name)))}.");
        foreach (var parameter in Parameters)
            if (setting.Parameters.TryGetValue(parameter.Name, out var value) && parameter.Problem(value ?? "") is { } problem)
                problems.Add(problem);
        return problems;
    }

    internal RuleInputs Inputs(RiskRuleSetting setting)
    {
        ClusterSelector.TryParse(setting.Scope, out var scope, out _);
        var values = Parameters.ToDictionary(p => p.Name,
            p => setting.Parameters.TryGetValue(p.Name, out var v) && p.Problem(v ?? "") is null ? v! : p.Default);
        return new RuleInputs(scope, values);
    }

    protected static string Names(IEnumerable<ClusterFacts> clusters, int show = 3)
    {
        var names = clusters.Select(c => c.Name).ToList();
        return names.Count <= show ? string.Join(", ", names) : $"{string.Join(", ", names.Take(show))} and {names.Count - show} more";
    }

    protected static string WaveLabel(RiskContext context, RiskWave wave) => $"Wave {IndexOf(context, wave) + 1} '{wave.Name}'";

    private static int IndexOf(RiskContext context, RiskWave wave)
    {
        for (var i = 0; i < context.Waves.Count; i++) if (ReferenceEquals(context.Waves[i], wave)) return i;
        return -1;
    }
}

/// <summary>At most this many clusters: a count ("5") or a share ("50%", rounded down but never below one cluster).</summary>
public sealed record ClusterLimit(int? Count, int? Percent)
{
    public static bool TryParse(string? text, out ClusterLimit limit)
    {
        limit = new ClusterLimit(1, null);
        var value = (text ?? "").Trim();
        if (value.EndsWith('%'))
        {
            if (!int.TryParse(value[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var percent) || percent is < 1 or > 100) return false;
            limit = new ClusterLimit(null, percent);
            return true;
        }
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1) return false;
        limit = new ClusterLimit(count, null);
        return true;
    }

    public static ClusterLimit Parse(string text) => TryParse(text, out var limit) ? limit : throw new FormatException($"'{text}' is not a cluster limit.");

    // Never below one: otherwise a fleet of one production cluster could never be changed at all.
    public int Allowed(int total) => Count ?? Math.Max(1, (int)Math.Floor(total * Percent!.Value / 100.0));

    public override string ToString() => Percent is { } p ? $"{p}%" : Count!.Value.ToString(CultureInfo.InvariantCulture);
}
