using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Changes;

namespace AsiOpsPortal.Core.Rollouts;

/// <summary>
/// A cluster the forward rollout touched, as a rollback sees it: the forward wave it sat in, when it was touched, its tier,
/// the version a rollback gives it back (null: none, so its objects are removed), and whether a newer change has moved it
/// since (then why, in words; the rollback leaves it alone).
/// </summary>
public sealed record TouchedCluster(Guid ClusterId, string Name, int Wave, DateTimeOffset TouchedAt, int Tier, string? RestoresVersion,
    string? MovedBy = null)
{
    public bool RemovesObjects => RestoresVersion is null;
}

/// <summary>One rollback wave: its pacing and its clusters, in the order they start.</summary>
public sealed record RollbackWavePlan(string Name, int MaxConcurrency, int SoakSeconds, int ProgressDeadlineSeconds, IReadOnlyList<TouchedCluster> Clusters);

/// <summary>A rollback as it will run: waves newest first, and the touched clusters it leaves alone.</summary>
public sealed record PlannedRollback(IReadOnlyList<RollbackWavePlan> Waves, IReadOnlyList<TouchedCluster> Skipped, bool AllAtOnce)
{
    public IReadOnlyList<TouchedCluster> Clusters => Waves.SelectMany(w => w.Clusters).ToList();
}

/// <summary>
/// Plans a rollback from the frozen plan and the clusters the rollout touched. Undoing is paced like doing: the forward
/// waves run in reverse (the last touched first), each with its own maxConcurrency and deadline and a soak of its own
/// soak capped at <see cref="MaxSoakSeconds"/> (undoing should not wait as long as trying something new). Within a wave the
/// most recently touched cluster goes first. "All at once" is the emergency exception: one wave, every cluster at once, no soak.
/// </summary>
public static class RollbackPlanner
{
    public const int MaxSoakSeconds = 30;

    public static PlannedRollback Plan(IReadOnlyList<PlannedWave> forward, IReadOnlyList<TouchedCluster> touched, bool allAtOnce)
    {
        var skipped = touched.Where(c => c.MovedBy is not null).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        var undone = touched.Where(c => c.MovedBy is null).ToList();
        if (undone.Count == 0) return new PlannedRollback([], skipped, allAtOnce);
        if (allAtOnce)
        {
            var deadline = forward.Select(w => w.ProgressDeadlineSeconds).DefaultIfEmpty(600).Max();
            return new PlannedRollback([new RollbackWavePlan("rollback, all at once", undone.Count, 0, deadline, NewestFirst(undone))], skipped, true);
        }
        var waves = undone.GroupBy(c => c.Wave).OrderByDescending(g => g.Key).Select(g =>
        {
            var planned = g.Key >= 0 && g.Key < forward.Count ? forward[g.Key] : null;
            return new RollbackWavePlan(
                $"rollback of {planned?.Name ?? $"wave {g.Key + 1}"}",
                Math.Max(1, planned?.MaxConcurrency ?? 1),
                Math.Clamp(planned?.MinSuccessSeconds ?? 0, 0, MaxSoakSeconds),
                planned?.ProgressDeadlineSeconds ?? 600,
                NewestFirst(g));
        }).ToList();
        return new PlannedRollback(waves, skipped, false);
    }

    /// <summary>
    /// Why a rollback must leave a touched cluster alone: the release recorded on it came later than this change touched it
    /// and from something else (a newer change, or a record made by other means). Null when the rollback may restore it.
    /// </summary>
    public static string? MovedSince(long changeId, DateTimeOffset touchedAt, ClusterRelease? release)
    {
        if (release is null || release.ChangeId == changeId || release.AppliedAt <= touchedAt) return null;
        var by = release.ChangeId is { } other ? $"change #{other}" : "a release recorded outside this change";
        return $"{by} moved it to {release.Version} since; rolling back would undo that";
    }

    private static List<TouchedCluster> NewestFirst(IEnumerable<TouchedCluster> clusters) =>
        clusters.OrderByDescending(c => c.TouchedAt).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();
}
