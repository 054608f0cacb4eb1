using AsiOpsPortal.Core.Scheduling;

namespace AsiOpsPortal.Web.Scheduling;

/// <summary>A row of the policy list.</summary>
public sealed record SchedulerPolicySummary(string Name, string Description, string Shape, int Plugins, string UpdatedBy, DateTimeOffset UpdatedAt);

/// <summary>A saved policy: what people wrote, who saved it last, and the version an editor must still hold to save over it.</summary>
public sealed record SchedulerPolicyView(SchedulerPolicyDocument Document, string UpdatedBy, DateTimeOffset UpdatedAt, uint Version);

/// <summary>
/// What a policy plans against the registered fleet now: the waves with every cluster's scores and why, the clusters left
/// out and why, and (for a saved policy previewed before) what changed since the previous preview.
/// </summary>
public sealed record SchedulerPreviewView(
    string Policy,
    DateTimeOffset At,
    IReadOnlyDictionary<string, int> Weights,
    IReadOnlyList<ScheduledWave> Waves,
    IReadOnlyList<ExcludedCluster> Excluded,
    PlanDiff? Diff,
    DateTimeOffset? PreviousAt);
