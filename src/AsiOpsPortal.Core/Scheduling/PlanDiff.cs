using AsiOpsPortal.Core.Changes;

namespace AsiOpsPortal.Core.Scheduling;

/// <summary>A cluster that is in both plans but in another wave (by wave name).</summary>
public sealed record MovedCluster(string Name, string FromWave, string ToWave);

/// <summary>What re-planning changed: clusters added, removed and moved to another wave, each list by name.</summary>
public sealed record PlanDiff(IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<MovedCluster> Moved)
{
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Moved.Count == 0;

    /// <summary>Compares two plans by cluster name; a cluster that changed position inside the same wave has not moved.</summary>
    public static PlanDiff Between(ChangePlan before, ChangePlan after)
    {
        var was = WaveOf(before);
        var now = WaveOf(after);
        var added = now.Keys.Where(n => !was.ContainsKey(n)).Order(StringComparer.Ordinal).ToList();
        var removed = was.Keys.Where(n => !now.ContainsKey(n)).Order(StringComparer.Ordinal).ToList();
        var moved = now.Where(n => was.TryGetValue(n.Key, out var from) && from != n.Value)
            .OrderBy(n => n.Key, StringComparer.Ordinal)
            .Select(n => new MovedCluster(n.Key, was[n.Key], n.Value)).ToList();
        return new PlanDiff(added, removed, moved);
    }

    /// <summary>e.g. <c>+2 added, -1 removed, 3 moved</c>, or <c>no changes</c>.</summary>
    public string Summary() => IsEmpty ? "no changes"
        : string.Join(", ", new[] { (Added.Count, "added"), (Removed.Count, "removed"), (Moved.Count, "moved") }
            .Where(p => p.Count > 0).Select(p => $"{p.Count} {p.Item2}"));

    private static Dictionary<string, string> WaveOf(ChangePlan plan)
    {
        var waves = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var wave in plan.Waves)
            foreach (var cluster in wave.Clusters)
                waves.TryAdd(cluster.Name, wave.Name);
        return waves;
    }
}
