using AsiOpsPortal.Core.Risk;

namespace AsiOpsPortal.Core.Changes;

/// <summary>A request to alter the fleet: what (a component version or ad-hoc manifests), where (a pipeline), why.</summary>
public class Change
{
    public long Id { get; set; }
    public required string Title { get; set; }
    public string Reason { get; set; } = "";
    public string RollbackPlan { get; set; } = "";
    public required string RequestedBy { get; set; }
    /// <summary>
    /// Everyone who edited what, where or why after the proposal. Like the requester they are its authors, and an author
    /// never approves: a later revision may still carry what they wrote.
    /// </summary>
    public List<string> EditedBy { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public ChangeStatus Status { get; set; } = ChangeStatus.PendingApproval;
    public RiskLevel RiskLevel { get; set; }
    /// <summary>Distinct approvals the risk level requires.</summary>
    public int RequiredApprovals { get; set; } = 1;
    /// <summary>Risk rule findings, the reasons for the risk level, and an Admin's override of blocking findings.</summary>
    public RiskReport Risk { get; set; } = new();
    /// <summary>Freeze windows the requester asks the change to run through; empty when none. Granted only by an Admin.</summary>
    public FreezeException RunThrough { get; set; } = new();

    public Guid? ComponentId { get; set; }
    public string? ComponentName { get; set; }
    public Guid? VersionId { get; set; }
    public string? Version { get; set; }
    /// <summary>Ad-hoc manifests when the change is not a component release.</summary>
    public string? Manifests { get; set; }
    /// <summary>Namespace for namespaced objects that name none.</summary>
    public string Namespace { get; set; } = "default";

    public Guid? PipelineId { get; set; }
    /// <summary>The static pipeline the plan came from; empty when a scheduler policy planned it.</summary>
    public required string PipelineName { get; set; }
    /// <summary>The scheduler policy that planned the change, instead of a pipeline.</summary>
    public string? SchedulerPolicyName { get; set; }

    /// <summary>Bumped by every edit of what, where or how; approvals count only for the revision they were given to.</summary>
    public int Revision { get; set; } = 1;
    /// <summary>Waves and clusters as planned; frozen when the last approval lands.</summary>
    public ChangePlan Plan { get; set; } = new();
    public DateTimeOffset? PlanFrozenAt { get; set; }
    /// <summary>The plan before the last edit re-planned it (no waves: never edited), so people see what re-planning moved.</summary>
    public ChangePlan PlanBeforeEdit { get; set; } = new();

    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>Why the rollout is paused (by a person or by itself), or why it ended as it did.</summary>
    public string? StatusReason { get; set; }
    /// <summary>
    /// While a running rollout holds back because of a freeze window: what it waits for and until when. It carries on by
    /// itself when the window closes; null when nothing holds it.
    /// </summary>
    public string? WaitingFor { get; set; }
    /// <summary>
    /// While a long freeze holds the rollout: no worker drives it until then, when a scheduled job looks again. The watchdog
    /// leaves it alone meanwhile; an operator's action or a deleted window clears it.
    /// </summary>
    public DateTimeOffset? ParkedUntil { get; set; }
    /// <summary>True while the rollback phase runs; Status stays Running until it ends as RolledBack or Failed.</summary>
    public bool RollingBack { get; set; }

    /// <summary>PostgreSQL xmin: concurrent approve/reject/edit cannot both win.</summary>
    public uint ConcurrencyToken { get; set; }

    public List<Approval> Approvals { get; set; } = [];
}

public enum ChangeStatus
{
    PendingApproval,
    Approved,
    Running,
    Paused,
    Succeeded,
    Failed,
    Aborted,
    RolledBack,
    Rejected,
}

/// <summary>Ordered from least to most risky; compared with &lt; and &gt;.</summary>
public enum RiskLevel
{
    Low,
    Medium,
    High,
    Critical,
}

public class Approval
{
    public long Id { get; set; }
    public long ChangeId { get; set; }
    public int Revision { get; set; }
    /// <summary>A review of the change, or an Admin's grant of its freeze exception: the two are counted apart.</summary>
    public ApprovalKind Kind { get; set; }
    public required string Approver { get; set; }
    /// <summary>The approver's role when they decided: a critical change needs one Admin among its approvers.</summary>
    public string ApproverRole { get; set; } = "";
    public ApprovalDecision Decision { get; set; }
    public string Comment { get; set; } = "";
    public DateTimeOffset At { get; set; }
}

public enum ApprovalDecision
{
    Approve,
    Reject,
}

public enum ApprovalKind
{
    Review,
    FreezeException,
}

/// <summary>
/// Windows a change asks to run through, by id (names are not unique, and may be reused by later windows) with the names
/// they had when asked, and the requester's reason. While they are asked for, the change starts only once an Admin grants it.
/// </summary>
public sealed class FreezeException
{
    public List<Guid> WindowIds { get; set; } = [];
    public List<string> WindowNames { get; set; } = [];
    public string Reason { get; set; } = "";

    public bool IsRequested => WindowIds.Count > 0;
}

/// <summary>The concrete plan of a change: ordered waves of ordered clusters, with the settings each wave runs with.</summary>
public sealed class ChangePlan
{
    public List<PlannedWave> Waves { get; set; } = [];
    /// <summary>Clusters in the pipeline's scope that no wave holds: shown, never silently rolled to.</summary>
    public List<string> Unplanned { get; set; } = [];
    /// <summary>How the rollback's waves run, by rollback wave index; empty until someone rolls the change back.</summary>
    public List<RollbackWaveSettings> Rollback { get; set; } = [];
    /// <summary>Touched clusters the rollback leaves alone, each with why (a newer change moved it since).</summary>
    public List<string> RollbackSkipped { get; set; } = [];
    /// <summary>The rollback was asked for as one emergency wave, all at once.</summary>
    public bool RollbackAllAtOnce { get; set; }
}

/// <summary>One rollback wave's pacing, frozen when the rollback starts (from the forward wave it undoes).</summary>
public sealed class RollbackWaveSettings
{
    public string Name { get; set; } = "";
    public int MaxConcurrency { get; set; } = 1;
    public int MinSuccessSeconds { get; set; }
    public int ProgressDeadlineSeconds { get; set; } = 600;
}

public sealed class PlannedWave
{
    public string Name { get; set; } = "";
    public int MaxConcurrency { get; set; } = 1;
    public int MinSuccessSeconds { get; set; }
    public int ProgressDeadlineSeconds { get; set; } = 600;
    public string MaxFailures { get; set; } = "0";
    public bool Canary { get; set; }
    public List<PlannedCluster> Clusters { get; set; } = [];
}

public sealed class PlannedCluster
{
    public Guid ClusterId { get; set; }
    public string Name { get; set; } = "";
    public string Environment { get; set; } = "";
    /// <summary>The version the cluster ran when the plan was made: what a rollback restores (null: none, so rollback removes).</summary>
    public Guid? PreviousVersionId { get; set; }
    public string? PreviousVersion { get; set; }
}
