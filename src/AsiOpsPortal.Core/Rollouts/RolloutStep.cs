namespace AsiOpsPortal.Core.Rollouts;

/// <summary>
/// One cluster's part in one phase of a rollout. Unique per (change, phase, cluster) — a cluster sits in one wave — so
/// whatever a retried job does, the step exists once and its status only moves forward.
/// </summary>
public class RolloutStep
{
    public long Id { get; set; }
    public long ChangeId { get; set; }
    public RolloutPhase Phase { get; set; }
    public int Wave { get; set; }
    /// <summary>Order within the wave: clusters start in this order.</summary>
    public int Position { get; set; }
    public Guid ClusterId { get; set; }
    public required string ClusterName { get; set; }
    public StepStatus Status { get; set; } = StepStatus.Pending;
    public int Attempts { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? AppliedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>Progress for people ("2/3 available"), updated while converging.</summary>
    public string? Detail { get; set; }
    public string? Error { get; set; }
    /// <summary>PostgreSQL's xmin: the runner's tick and a step's own work may both write a step; the second writer learns of the first.</summary>
    public uint ConcurrencyToken { get; set; }
}

/// <summary>A wave's own state: when it started, converged and finished soaking.</summary>
public class RolloutWave
{
    public long Id { get; set; }
    public long ChangeId { get; set; }
    public RolloutPhase Phase { get; set; }
    public int Index { get; set; }
    public required string Name { get; set; }
    public WaveStatus Status { get; set; } = WaveStatus.Pending;
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? ConvergedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

public enum RolloutPhase
{
    Forward,
    Rollback,
}

public enum StepStatus
{
    Pending,
    Applying,
    Converging,
    Succeeded,
    Failed,
    Skipped,
}

public enum WaveStatus
{
    Pending,
    Running,
    Soaking,
    Succeeded,
    Failed,
    Skipped,
}
