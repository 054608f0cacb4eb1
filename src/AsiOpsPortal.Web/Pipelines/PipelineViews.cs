using AsiOpsPortal.Core.Pipelines;

namespace AsiOpsPortal.Web.Pipelines;

/// <summary>A row of the pipeline list.</summary>
public sealed record PipelineSummary(
    string Name,
    string Description,
    string? Scope,
    IReadOnlyList<string> Waves,
    int ListedClusters,
    string UpdatedBy,
    DateTimeOffset UpdatedAt,
    string? ThenPolicy);

/// <summary>A saved pipeline: what people wrote, who saved it last, and the version an editor must still hold to save over it.</summary>
public sealed record PipelineView(PipelineDocument Document, string UpdatedBy, DateTimeOffset UpdatedAt, uint Version);

/// <summary>The plan a pipeline resolves to against the registered fleet now: ordered clusters per wave, and what no wave holds.</summary>
public sealed record PlanView(IReadOnlyList<PlannedWaveView> Waves, IReadOnlyList<string> Unplanned);

public sealed record PlannedWaveView(
    string Name,
    IReadOnlyList<string> Clusters,
    int MaxConcurrency,
    int MinSuccessSeconds,
    int ProgressDeadlineSeconds,
    string MaxFailures,
    bool Canary);
