namespace AsiOpsPortal.Core.Rollouts;

/// <summary>Whether an applied object has rolled out; <see cref="Summary"/> is for people ("3/3 updated, 3/3 available").</summary>
public sealed record Convergence(bool Done, string Summary);

public static class ConvergenceRules
{
    private static readonly HashSet<string> RolloutKinds = new(StringComparer.Ordinal) { "Deployment", "StatefulSet", "DaemonSet" };

    /// <summary>
    /// After a step's workload converged: who applied what runs now, when it is not the change <paramref name="changeId"/>
    /// ("change #12", or "someone outside the portal" when the stamp in <paramref name="changeAnnotation"/> is gone). Null when
    /// the live workload still carries this change's stamp: what converged is this change's version.
    /// </summary>
    public static string? AppliedByOther(LiveObject live, long changeId, string changeAnnotation) =>
        live.Annotations.TryGetValue(changeAnnotation, out var stamped)
            ? stamped == changeId.ToString(System.Globalization.CultureInfo.InvariantCulture) ? null : $"change #{stamped}"
            : "someone outside the portal";

    /// <summary>
    /// Deployment/StatefulSet/DaemonSet: done when the controller has observed the current generation and every desired
    /// pod is updated and available. Any other kind: done when it exists. No live object: not done ("not found").
    /// </summary>
    public static Convergence Evaluate(LiveObject? live)
    {
        if (live is null) return new Convergence(false, "not found");
        if (!IsWorkload(live.Ref.Kind)) return new Convergence(true, "exists");
        // Counts describe the generation the controller last saw; until it catches up they say nothing about this change.
        if (live.ObservedGeneration is not { } observed)
            return new Convergence(false, $"waiting: the controller has not reported on generation {live.Generation} yet");
        if (observed < live.Generation)
            return new Convergence(false, $"waiting: the controller has seen generation {observed} of {live.Generation}");
        if (live.Counts is not { } counts)
            return new Convergence(false, "waiting: the controller has not reported pod counts yet");

        // A StatefulSet has rolled out once its pods run the update revision, except those its partition keeps back.
        var revisionsSettled = counts.Partition > 0 || live.Revisions is not { Settled: false };
        var kept = counts.Partition > 0 ? $" (partition {counts.Partition} keeps the rest)" : "";
        if (counts.Updated >= counts.ToUpdate && counts.Available == counts.Desired && revisionsSettled)
            return new Convergence(true, $"{counts.Updated}/{counts.Desired} updated{kept}, {counts.Available}/{counts.Desired} available");
        var shortfall = new List<string>();
        if (counts.Updated < counts.ToUpdate) shortfall.Add($"{counts.Updated}/{counts.ToUpdate} updated{kept}");
        if (counts.Available != counts.Desired) shortfall.Add($"{counts.Available}/{counts.Desired} available");
        if (!revisionsSettled) shortfall.Add($"pods still on revision {live.Revisions!.Current}, rolling to {live.Revisions.Update}");
        var images = live.Images.Count switch
        {
            0 => "",
            1 => $" (image {live.Images[0]})",
            _ => $" (images {string.Join(", ", live.Images)})",
        };
        var stalled = live.Stalled is null ? "" : $"; {live.Stalled}";
        return new Convergence(false, $"waiting: {string.Join(", ", shortfall)}{images}{stalled}");
    }

    /// <summary>Kinds whose rollout is tracked by pod counts: Deployment, StatefulSet, DaemonSet.</summary>
    public static bool IsWorkload(string kind) => RolloutKinds.Contains(kind);
}
