using AsiOpsPortal.Core.Catalog;

namespace AsiOpsPortal.Core.Rollouts;

/// <summary>
/// Whether a cluster still runs what the portal applied: each workload of the recorded version must exist and run the
/// images that version ships. Someone's `kubectl set image` or `kubectl delete` shows up here.
/// </summary>
public static class DriftRules
{
    /// <summary>Null when <paramref name="live"/> matches <paramref name="desired"/>; otherwise what differs, in words.</summary>
    public static string? Describe(ManifestObject desired, LiveObject? live)
    {
        if (live is null) return $"{desired.Ref} is missing";
        var shipped = Manifests.Images([desired]);
        var running = live.Images;
        if (shipped.Count > 0 && running.Count > 0 && !shipped.Order(StringComparer.Ordinal).SequenceEqual(running.Order(StringComparer.Ordinal)))
            return $"{desired.Ref} runs {string.Join(", ", running)}; the version ships {string.Join(", ", shipped)}";
        return null;
    }

    /// <summary>The workloads a drift check reads: what runs containers, where drift hurts.</summary>
    public static IEnumerable<ManifestObject> Checked(IEnumerable<ManifestObject> objects) =>
        objects.Where(o => Kinds.RunsContainers(o.Kind));
}
