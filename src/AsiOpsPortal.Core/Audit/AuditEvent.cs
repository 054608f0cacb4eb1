namespace AsiOpsPortal.Core.Audit;

/// <summary>An append-only record of something a person or the system did. Each is chained to the previous by hash.</summary>
public class AuditEvent
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public string Target { get; set; } = "";
    public string Details { get; set; } = "";
    public bool Succeeded { get; set; } = true;
    public required string PreviousHash { get; set; }
    public required string Hash { get; set; }
}

/// <summary>Names of audited actions, so searches and tests agree on spelling.</summary>
public static class AuditActions
{
    public const string Login = "auth.login";
    public const string LoginFailed = "auth.login-failed";
    /// <summary>A sign-in refused unchecked because its address or account had too many recent failures.</summary>
    public const string LoginThrottled = "auth.login-throttled";
    public const string Logout = "auth.logout";
    public const string AccessDenied = "auth.denied";
    public const string UserCreated = "user.created";
    public const string RoleChanged = "user.role-changed";
    public const string UserLocked = "user.locked";
    public const string UserUnlocked = "user.unlocked";
    public const string TokenCreated = "token.created";
    public const string TokenRevoked = "token.revoked";
    public const string ClusterRegistered = "cluster.registered";
    public const string ClusterUpdated = "cluster.updated";
    public const string ClusterRemoved = "cluster.removed";
    public const string ClusterSyncRequested = "cluster.sync-requested";
    public const string ComponentCreated = "component.create";
    public const string ComponentVersionAdded = "component.version.add";
    public const string ChangeProposed = "change.proposed";
    public const string ChangeEdited = "change.edited";
    public const string ChangeRiskOverridden = "change.risk-overridden";
    public const string ChangeFreezeExceptionGranted = "change.freeze-exception-granted";
    public const string ChangeRiskRechecked = "change.risk-rechecked";
    public const string ChangeApprovalGiven = "change.approval";
    public const string ChangeRejected = "change.rejected";
    public const string ChangeApproved = "change.approved";
    public const string ChangePaused = "change.paused";
    public const string ChangeResumed = "change.resumed";
    public const string ChangeAborted = "change.aborted";
    public const string ChangeRollbackStarted = "change.rollback-started";
    public const string ChangeWave = "change.wave";
    public const string ChangeFinished = "change.finished";
    public const string PipelineCreated = "pipeline.create";
    public const string PipelineUpdated = "pipeline.update";
    public const string PipelineDeleted = "pipeline.delete";
    public const string SchedulerPolicyCreated = "scheduler-policy.create";
    public const string SchedulerPolicyUpdated = "scheduler-policy.update";
    public const string SchedulerPolicyDeleted = "scheduler-policy.delete";
    public const string RiskRuleUpdated = "risk-rule.update";
    public const string GateCreated = "gate.create";
    public const string GateDeleted = "gate.delete";
    public const string GateAsked = "gate.asked";
    public const string FreezeWindowCreated = "freeze-window.create";
    public const string FreezeWindowDeleted = "freeze-window.delete";
    public const string ChangeWaiting = "change.waiting";
    public const string AuditResealed = "audit.resealed";
    public const string DefenderBudgetCreated = "defender-budget.create";
    public const string DefenderBudgetUpdated = "defender-budget.update";
    public const string DefenderBudgetDeleted = "defender-budget.delete";
    public const string DefenderAgentLimitCreated = "defender-agent-limit.create";
    public const string DefenderAgentLimitDeleted = "defender-agent-limit.delete";
    public const string DefenderRefused = "defender.refused";
    public const string DefenderBreakerOpened = "defender.breaker-opened";
    public const string DefenderBreakerClosed = "defender.breaker-closed";
    public const string DefenderClusterKeyIssued = "defender.cluster-key-issued";
    public const string DefenderBreakGlassStarted = "defender.break-glass-started";
    public const string DefenderBreakGlassEnded = "defender.break-glass-ended";
    public const string DefenderAgentLimitUpdated = "defender-agent-limit.update";
}
