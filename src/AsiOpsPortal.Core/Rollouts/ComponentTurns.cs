namespace AsiOpsPortal.Core.Rollouts;

/// <summary>
/// Another open change of the same component, as far as turns go: when its plan was frozen (its last approval; null while
/// it awaits approval), and the clusters, by name, where it still has work to do (a step not yet started or in flight).
/// </summary>
public sealed record ComponentChange(long Id, string What, DateTimeOffset? ApprovedAt, IReadOnlyCollection<string> UnfinishedClusters);

/// <summary>
/// One change per component per cluster at a time. Two changes of one component that overlap on a cluster take turns in
/// the order they were approved (the lower id first when approved at the same instant): a later change's step on a
/// cluster does not start while an earlier change still has work to do there, paused or not. The later change waits;
/// nothing is refused. Changes of different components, and clusters the earlier change is done with, are not held.
/// </summary>
public static class ComponentTurns
{
    /// <summary>Whether <paramref name="other"/> goes before the change approved at <paramref name="approvedAt"/> with id <paramref name="id"/>.</summary>
    public static bool GoesBefore(ComponentChange other, long id, DateTimeOffset approvedAt) =>
        other.Id != id && other.ApprovedAt is { } theirs && (theirs < approvedAt || (theirs == approvedAt && other.Id < id));

    /// <summary>
    /// The clusters among <paramref name="pending"/> that an earlier change still has work on, each with the reason in words
    /// and no known opening time (the runner is woken when the earlier change moves on).
    /// </summary>
    public static IReadOnlyDictionary<string, FrozenCluster> Held(long id, DateTimeOffset approvedAt, IEnumerable<string> pending,
        IEnumerable<ComponentChange> others)
    {
        var earlier = others.Where(o => GoesBefore(o, id, approvedAt)).OrderBy(o => o.ApprovedAt).ThenBy(o => o.Id).ToList();
        var held = new Dictionary<string, FrozenCluster>();
        foreach (var cluster in pending.Distinct())
        {
            if (earlier.FirstOrDefault(o => o.UnfinishedClusters.Contains(cluster)) is { } first)
                held[cluster] = new FrozenCluster($"waits for change #{first.Id} ({first.What}) to finish there", OpensAt: null);
        }
        return held;
    }

    /// <summary>
    /// Before approval: the open changes whose turn on some of <paramref name="planned"/> would come first, because they are
    /// approved already, each with the shared clusters ("waits for change #12 (web 1.26.2) on test-a, test-b").
    /// </summary>
    public static IReadOnlyList<string> WaitsBeforeApproval(IEnumerable<string> planned, IEnumerable<ComponentChange> others)
    {
        var mine = planned.ToHashSet();
        return others.Where(o => o.ApprovedAt is not null).OrderBy(o => o.ApprovedAt).ThenBy(o => o.Id)
            .Select(o => (Change: o, Shared: o.UnfinishedClusters.Where(mine.Contains).Order(StringComparer.Ordinal).ToList()))
            .Where(o => o.Shared.Count > 0)
            .Select(o => $"waits for change #{o.Change.Id} ({o.Change.What}) on {string.Join(", ", o.Shared)}")
            .ToList();
    }
}
