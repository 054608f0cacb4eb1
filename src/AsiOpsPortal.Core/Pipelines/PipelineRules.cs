using System.Text.RegularExpressions;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Rollouts;

namespace AsiOpsPortal.Core.Pipelines;

/// <summary>A pipeline that cannot be saved or planned, with every problem in words a person can act on.</summary>
public sealed class PipelineException(IReadOnlyList<string> problems) : Exception(string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>One wave resolved against the fleet: the clusters it lists (in the order written) and those its selector adds (by name).</summary>
public sealed record ResolvedWave(string Name, IReadOnlyList<string> Listed, IReadOnlyList<string> Matched)
{
    public IEnumerable<string> Clusters => Listed.Concat(Matched);
}

/// <summary>
/// Waves resolved against the fleet. <see cref="Problems"/> holds only placement problems (unknown clusters, a cluster in
/// two waves); <see cref="PipelineRules.Validate"/> adds the rest.
/// </summary>
public sealed record PipelineResolution(IReadOnlyList<ResolvedWave> Waves, IReadOnlyList<string> Unplanned, int InScope, IReadOnlyList<string> Problems);

/// <summary>What a valid pipeline is, and the concrete plan it gives against a fleet.</summary>
public static partial class PipelineRules
{
    public const int MinProgressDeadlineSeconds = 10;

    public const string NameRule = "Name must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit.";

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\z")]
    private static partial Regex DnsLabel();

    /// <summary>
    /// Problems a person can act on, empty when valid: the name (a DNS-1123 label), at least one wave, unique non-empty wave
    /// names, each wave's settings, selector syntax, unknown clusters, and a cluster in two waves (listed, or by a selector).
    /// </summary>
    public static IReadOnlyList<string> Validate(string name, IReadOnlyList<WaveSpec> waves, string? scope, IReadOnlyList<ClusterFacts> fleet)
    {
        var problems = new List<string>();
        if (!DnsLabel().IsMatch(name ?? "")) problems.Add(NameRule);
        if (waves.Count == 0) problems.Add("A pipeline needs at least one wave.");
        if (!ClusterSelector.TryParse(scope, out _, out var scopeError)) problems.Add($"Scope selector: {scopeError}");

        for (var i = 0; i < waves.Count; i++)
        {
            var wave = waves[i];
            var label = WaveLabel(wave, i);
            if (string.IsNullOrWhiteSpace(wave.Name)) problems.Add($"{label} has no name.");
            if (wave.MaxConcurrency < 1) problems.Add($"{label}: maxConcurrency must be at least 1.");
            if (wave.MinSuccessSeconds < 0) problems.Add($"{label}: minSuccessSeconds must be 0 or more.");
            if (wave.ProgressDeadlineSeconds < MinProgressDeadlineSeconds)
                problems.Add($"{label}: progressDeadlineSeconds must be at least {MinProgressDeadlineSeconds}.");
            if (!FailureBudget.TryParse(wave.MaxFailures, out _, out var budgetError)) problems.Add($"{label}: {budgetError}");
            if (!ClusterSelector.TryParse(wave.Selector, out _, out var selectorError)) problems.Add($"{label} selector: {selectorError}");
        }
        foreach (var duplicate in waves.Where(w => !string.IsNullOrWhiteSpace(w.Name))
                     .GroupBy(w => w.Name.Trim(), StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            problems.Add($"Wave name '{duplicate.Key}' is used by {duplicate.Count()} waves; each wave needs its own name.");

        problems.AddRange(Resolve(waves, scope, fleet).Problems);
        return problems;
    }

    /// <summary>
    /// Resolves each wave against <paramref name="fleet"/>: its listed clusters in the order written, then its selector's
    /// matches by name. A cluster already placed in an earlier wave is a problem, never placed twice. A selector that does not
    /// parse matches nothing here (<see cref="Validate"/> reports it).
    /// </summary>
    public static PipelineResolution Resolve(IReadOnlyList<WaveSpec> waves, string? scope, IReadOnlyList<ClusterFacts> fleet)
    {
        var byName = new Dictionary<string, ClusterFacts>(StringComparer.Ordinal);
        foreach (var cluster in fleet) byName.TryAdd(cluster.Name, cluster);
        var byNameOrdered = byName.Values.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        var placed = new Dictionary<string, (string Wave, string How)>(StringComparer.Ordinal);
        var problems = new List<string>();
        var resolved = new List<ResolvedWave>();

        for (var i = 0; i < waves.Count; i++)
        {
            var wave = waves[i];
            var label = WaveLabel(wave, i);
            var waveName = string.IsNullOrWhiteSpace(wave.Name) ? $"wave {i + 1}" : wave.Name;
            var inThisWave = new HashSet<string>(StringComparer.Ordinal);
            var listed = new List<string>();
            foreach (var name in wave.Clusters)
            {
                if (string.IsNullOrWhiteSpace(name)) { problems.Add($"{label} lists an empty cluster name."); continue; }
                if (!inThisWave.Add(name)) { problems.Add($"{label} lists '{name}' twice."); continue; }
                if (!byName.ContainsKey(name)) { problems.Add($"{label}: no cluster named '{name}' is registered."); continue; }
                if (Place(name, waveName, "listed")) listed.Add(name);
            }

            var matched = new List<string>();
            if (ClusterSelector.TryParse(wave.Selector, out var selector, out _) && !selector.IsEmpty)
            {
                foreach (var cluster in byNameOrdered.Where(selector.Matches))
                {
                    // Listing a cluster that the wave's own selector also matches only fixes its position.
                    if (!inThisWave.Add(cluster.Name)) continue;
                    if (Place(cluster.Name, waveName, "by selector")) matched.Add(cluster.Name);
                }
            }
            resolved.Add(new ResolvedWave(wave.Name, listed, matched));
        }

        var unplanned = new List<string>();
        var inScope = 0;
        if (ClusterSelector.TryParse(scope, out var scopeSelector, out _) && !scopeSelector.IsEmpty)
        {
            foreach (var cluster in byNameOrdered.Where(scopeSelector.Matches))
            {
                inScope++;
                if (!placed.ContainsKey(cluster.Name)) unplanned.Add(cluster.Name);
            }
        }
        return new PipelineResolution(resolved, unplanned, inScope, problems);

        bool Place(string cluster, string wave, string how)
        {
            if (placed.TryGetValue(cluster, out var earlier))
            {
                problems.Add($"Cluster '{cluster}' is in two waves: '{earlier.Wave}' ({earlier.How}) and '{wave}' ({how}); a cluster may be in only one wave.");
                return false;
            }
            placed[cluster] = (wave, how);
            return true;
        }
    }

    /// <summary>
    /// The concrete plan: each wave's listed clusters in the order written, then its selector's matches by name; wave settings
    /// copied. <see cref="PlannedCluster.PreviousVersion"/> is left for the caller. Unplanned: clusters in the scope that no
    /// wave holds, by name. Throws <see cref="PipelineException"/> when <see cref="Validate"/> finds problems.
    /// </summary>
    public static ChangePlan Plan(Pipeline pipeline, IReadOnlyList<ClusterFacts> fleet)
    {
        var problems = Validate(pipeline.Name, pipeline.Waves, pipeline.Scope, fleet);
        if (problems.Count > 0) throw new PipelineException(problems);

        var byName = fleet.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var resolution = Resolve(pipeline.Waves, pipeline.Scope, fleet);
        return new ChangePlan
        {
            Waves = pipeline.Waves.Zip(resolution.Waves, (spec, wave) => new PlannedWave
            {
                Name = spec.Name,
                MaxConcurrency = spec.MaxConcurrency,
                MinSuccessSeconds = spec.MinSuccessSeconds,
                ProgressDeadlineSeconds = spec.ProgressDeadlineSeconds,
                MaxFailures = spec.MaxFailures,
                Canary = spec.Canary,
                Clusters = wave.Clusters.Select(name => byName[name])
                    .Select(c => new PlannedCluster { ClusterId = c.Id, Name = c.Name, Environment = c.Environment })
                    .ToList(),
            }).ToList(),
            Unplanned = [.. resolution.Unplanned],
        };
    }

    private static string WaveLabel(WaveSpec wave, int index) =>
        string.IsNullOrWhiteSpace(wave.Name) ? $"Wave {index + 1}" : $"Wave '{wave.Name}'";
}
