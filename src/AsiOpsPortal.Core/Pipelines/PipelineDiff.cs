namespace AsiOpsPortal.Core.Pipelines;

/// <summary>Short, readable accounts of a pipeline and of what an edit changed, for the audit trail.</summary>
public static class PipelineDiff
{
    public const string Unchanged = "no changes";

    /// <summary>e.g. <c>scope 'environment=prod'; waves: canary (2 clusters, canary), prod (selector 'environment=prod'); then policy 'balanced'</c>.</summary>
    public static string Summarize(PipelineDocument pipeline) =>
        $"scope {Quote(pipeline.Scope)}; waves: {string.Join(", ", pipeline.Waves.Select(w => $"{w.Name} ({Summarize(w)})"))}"
        + (pipeline.Then is null ? "" : $"; then {Describe(pipeline.Then)}");

    private static string Describe(DynamicStage? stage) => stage is null ? "none"
        : $"policy '{stage.SchedulerPolicy}'" + (stage.NamePrefix is null ? "" : $" (waves named '{stage.NamePrefix} · …')");

    private static string Summarize(WaveSpec wave)
    {
        var parts = new List<string>();
        if (wave.Clusters.Count > 0) parts.Add(wave.Clusters.Count == 1 ? "1 cluster" : $"{wave.Clusters.Count} clusters");
        if (!string.IsNullOrWhiteSpace(wave.Selector)) parts.Add($"selector '{wave.Selector}'");
        if (parts.Count == 0) parts.Add("empty");
        if (wave.Canary) parts.Add("canary");
        return string.Join(", ", parts);
    }

    /// <summary>Each change from <paramref name="before"/> to <paramref name="after"/>, or <see cref="Unchanged"/>.</summary>
    public static string Describe(PipelineDocument before, PipelineDocument after)
    {
        var changes = new List<string>();
        if (before.Description != after.Description) changes.Add("description changed");
        if (before.Scope != after.Scope) changes.Add($"scope {Quote(before.Scope)} → {Quote(after.Scope)}");

        var beforeNames = before.Waves.Select(w => w.Name).ToList();
        var afterNames = after.Waves.Select(w => w.Name).ToList();
        foreach (var removed in beforeNames.Except(afterNames)) changes.Add($"wave '{removed}' removed");
        var kept = afterNames.Intersect(beforeNames).ToList();
        if (!beforeNames.Where(kept.Contains).SequenceEqual(kept)) changes.Add($"waves reordered: {string.Join(", ", afterNames)}");

        foreach (var wave in after.Waves)
        {
            var old = before.Waves.FirstOrDefault(w => w.Name == wave.Name);
            if (old is null)
            {
                changes.Add($"wave '{wave.Name}' added ({Summarize(wave)})");
                continue;
            }
            var waveChanges = new List<string>();
            var added = wave.Clusters.Except(old.Clusters).ToList();
            var removed = old.Clusters.Except(wave.Clusters).ToList();
            if (added.Count > 0 || removed.Count > 0)
                waveChanges.Add("clusters " + string.Join(" ", added.Select(c => "+" + c).Concat(removed.Select(c => "-" + c))));
            else if (!old.Clusters.SequenceEqual(wave.Clusters))
                waveChanges.Add("clusters reordered");
            if (old.Selector != wave.Selector) waveChanges.Add($"selector {Quote(old.Selector)} → {Quote(wave.Selector)}");
            Compare("maxConcurrency", old.MaxConcurrency, wave.MaxConcurrency);
            Compare("minSuccessSeconds", old.MinSuccessSeconds, wave.MinSuccessSeconds);
            Compare("progressDeadlineSeconds", old.ProgressDeadlineSeconds, wave.ProgressDeadlineSeconds);
            Compare("maxFailures", old.MaxFailures, wave.MaxFailures);
            Compare("canary", old.Canary, wave.Canary);
            if (waveChanges.Count > 0) changes.Add($"wave '{wave.Name}': {string.Join(", ", waveChanges)}");

            void Compare<T>(string what, T from, T to)
            {
                if (!EqualityComparer<T>.Default.Equals(from, to)) waveChanges.Add($"{what} {Format(from)} → {Format(to)}");
            }
        }
        if (before.Then != after.Then) changes.Add($"then {Describe(before.Then)} → {Describe(after.Then)}");
        return changes.Count == 0 ? Unchanged : string.Join("; ", changes);
    }

    private static string Format<T>(T value) => value is bool b ? (b ? "true" : "false") : $"{value}";

    private static string Quote(string? value) => value is null ? "none" : $"'{value}'";
}
