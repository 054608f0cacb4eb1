namespace AsiOpsPortal.Core.Changes;

/// <summary>Planned clusters that run the same version now, so one diff against the change's version serves them all.</summary>
/// <param name="Label">"A", "B", …: how a cluster in the plan names its group.</param>
/// <param name="VersionId">The version they run; null when the portal knows of none (never released there, or ad-hoc manifests).</param>
public sealed record CurrentVersionGroup(string Label, Guid? VersionId, string? Version, IReadOnlyList<string> Clusters);

/// <summary>
/// Groups a plan's clusters by the version each runs now. Many clusters share a version, so diffs are made once per
/// group rather than once per cluster.
/// </summary>
public static class CurrentVersionGroups
{
    /// <summary>Groups in the order the plan first reaches them (the canary's group first), clusters in plan order.</summary>
    public static IReadOnlyList<CurrentVersionGroup> Of(ChangePlan plan) =>
        plan.Waves.SelectMany(w => w.Clusters)
            .GroupBy(c => c.PreviousVersionId)
            .Select((group, index) => new CurrentVersionGroup(
                LabelOf(index), group.Key, group.First().PreviousVersion, group.Select(c => c.Name).ToList()))
            .ToList();

    /// <summary>A, B, … Z, AA, AB, …: short enough to print beside a cluster's name.</summary>
    public static string LabelOf(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var label = "";
        for (var n = index + 1; n > 0; n = (n - 1) / 26) label = (char)('A' + (n - 1) % 26) + label;
        return label;
    }
}
