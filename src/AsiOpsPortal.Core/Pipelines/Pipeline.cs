using System.Text.Json.Serialization;
using AsiOpsPortal.Core.Data;

namespace AsiOpsPortal.Core.Pipelines;

/// <summary>A hand-ordered release path: waves of clusters, each with its own pacing and failure budget.</summary>
public class Pipeline : IVersionedDocument
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    /// <summary>Cluster selector for the clusters this pipeline is meant to cover; those in no wave are flagged.</summary>
    public string? Scope { get; set; }
    public List<WaveSpec> Waves { get; set; } = [];
    /// <summary>After the static waves, the rest of the fleet by a scheduler policy; null when the waves are all there is.</summary>
    public DynamicStage? Then { get; set; }
    public string UpdatedBy { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>PostgreSQL xmin: two editors saving at once cannot both win.</summary>
    public uint ConcurrencyToken { get; set; }
}

/// <summary>One wave as written by people: explicit clusters and/or a selector resolved when a change is planned.</summary>
public sealed class WaveSpec
{
    public string Name { get; set; } = "";
    public List<string> Clusters { get; set; } = [];
    public string? Selector { get; set; }
    public int MaxConcurrency { get; set; } = 1;
    /// <summary>Soak: how long the wave must stay healthy after its last cluster converged before the next wave starts.</summary>
    public int MinSuccessSeconds { get; set; }
    /// <summary>How long one cluster may take to converge after its apply before it counts as failed.</summary>
    public int ProgressDeadlineSeconds { get; set; } = 600;
    /// <summary>Failures the wave tolerates: a count ("2") or a share of its clusters ("10%").</summary>
    public string MaxFailures { get; set; } = "0";
    /// <summary>A canary wave tolerates no failure, whatever MaxFailures says.</summary>
    public bool Canary { get; set; }
}

/// <summary>
/// The end of a pipeline that is planned, not written: the clusters no static wave holds, in the waves the named scheduler
/// policy gives them when a change is planned.
/// </summary>
public sealed record DynamicStage
{
    /// <summary>Required in a document: a stage that names no policy is a mistake, not an empty stage.</summary>
    [JsonRequired]
    public string SchedulerPolicy { get; init; } = "";
    /// <summary>Put before each of the policy's wave names; "policy NAME" when not given.</summary>
    public string? NamePrefix { get; init; }
}
