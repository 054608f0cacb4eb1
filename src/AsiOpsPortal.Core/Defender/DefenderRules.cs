using System.Text.RegularExpressions;

namespace AsiOpsPortal.Core.Defender;

/// <summary>What a budget may be and which requests it covers: pure rules, no I/O.</summary>
public static partial class DefenderRules
{
    public const int MaxNameLength = 63;
    /// <summary>A day's worth of a busy controller; beyond it a budget no longer protects anything and its spends grow large.</summary>
    public const int MaxLimit = 100_000;
    public const int MaxCoolDownMinutes = 7 * 24 * 60;
    /// <summary>Refusals are kept like spends until the breaker opens; past a few thousand, counting them is no brake.</summary>
    public const int MaxTripAfterRefusals = 10_000;

    /// <summary>Every problem with a budget as submitted, each naming its field; empty when it may be saved.</summary>
    public static IReadOnlyList<string> Validate(DefenderBudget budget)
    {
        var problems = new List<string>();
        if (!NamePattern().IsMatch(budget.Name))
            problems.Add($"name: must be 1–{MaxNameLength} lowercase letters, digits or '-', starting and ending with a letter or digit.");
        if (budget.Resources.Count == 0)
            problems.Add("resources: name at least one resource, e.g. [\"pods\"].");
        foreach (var resource in budget.Resources.Where(r => !ResourcePattern().IsMatch(r)))
            problems.Add($"resources: '{resource}' is not a resource name; write it lower-case plural as in API paths, e.g. \"pods\" or \"deployments\".");
        if (budget.Verbs.Count == 0)
            problems.Add($"verbs: name at least one of {string.Join(", ", DefenderVerbs.All)}.");
        foreach (var verb in budget.Verbs.Where(v => !DefenderVerbs.All.Contains(v)))
            problems.Add($"verbs: '{verb}' is not one of {string.Join(", ", DefenderVerbs.All)}.");
        if (budget.Limits.Count == 0)
            problems.Add($"limits: set at least one window's limit, e.g. {{\"1m\": 3}}; windows are {string.Join(", ", BudgetWindows.Known.Keys)}.");
        foreach (var (window, limit) in budget.Limits)
        {
            if (!BudgetWindows.Known.ContainsKey(window))
                problems.Add($"limits: '{window}' is not a window; windows are {string.Join(", ", BudgetWindows.Known.Keys)}.");
            else if (limit is < 1 or > MaxLimit)
                problems.Add($"limits.{window}: must be between 1 and {MaxLimit:N0} (was {limit}).");
        }
        if (budget.Breaker.CoolDownMinutes is < 0 or > MaxCoolDownMinutes)
            problems.Add($"breaker.coolDownMinutes: must be between 0 (an SRE closes it) and {MaxCoolDownMinutes} (was {budget.Breaker.CoolDownMinutes}).");
        if (budget.Breaker.TripAfterRefusals is < 0 or > MaxTripAfterRefusals)
            problems.Add($"breaker.tripAfterRefusals: must be between 0 (off) and {MaxTripAfterRefusals:N0} (was {budget.Breaker.TripAfterRefusals}).");
        if (!BudgetWindows.Known.ContainsKey(budget.Breaker.RefusalWindow))
            problems.Add($"breaker.refusalWindow: '{budget.Breaker.RefusalWindow}' is not a window; windows are {string.Join(", ", BudgetWindows.Known.Keys)}.");
        if (budget.Scope.Environments.Concat(budget.Scope.Clusters).Concat(budget.Scope.Namespaces).Any(string.IsNullOrWhiteSpace)
            || budget.Scope.Labels.Keys.Any(string.IsNullOrWhiteSpace))
            problems.Add("scope: environments, clusters, namespaces and label keys may not be empty strings.");
        return problems;
    }

    /// <summary>Whether <paramref name="request"/> happens where <paramref name="scope"/> reaches (whatever it does).</summary>
    public static bool InScope(BudgetScope scope, AdmissionRequest request) =>
        (scope.Environments.Count == 0 || scope.Environments.Contains(request.Environment))
        && (scope.Clusters.Count == 0 || scope.Clusters.Contains(request.Cluster))
        && scope.Labels.All(l => request.ClusterLabels.TryGetValue(l.Key, out var value) && value == l.Value)
        && (scope.Namespaces.Count == 0 || (request.Namespace is { } ns && scope.Namespaces.Contains(ns)));

    /// <summary>Whether <paramref name="request"/> spends from <paramref name="budget"/>: in its scope, one of its resources and verbs.</summary>
    public static bool Covers(DefenderBudget budget, AdmissionRequest request) =>
        budget.Resources.Contains(request.Resource) && budget.Verbs.Contains(request.Verb) && InScope(budget.Scope, request);

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")]
    private static partial Regex ResourcePattern();
}

/// <summary>
/// One destructive operation as the defender sees it: who (user and user agent), what (verb on resource namespace/name)
/// and where (the cluster, with its environment and labels). Never the request's body.
/// </summary>
public sealed record AdmissionRequest(string User, string UserAgent, string Verb, string Resource, string? Namespace, string Name,
    string Cluster, string Environment, IReadOnlyDictionary<string, string> ClusterLabels)
{
    public override string ToString() => $"{Verb} {Resource} {(Namespace is null ? "" : Namespace + "/")}{Name} in {Cluster}";
}
