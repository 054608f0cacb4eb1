using AsiOpsPortal.Core.Accounts;

namespace AsiOpsPortal.Core.Changes;

/// <summary>What a person (or the rollout itself) can do to a change.</summary>
public enum ChangeAction
{
    Edit,
    Approve,
    Reject,
    Start,
    Pause,
    Resume,
    Abort,
    Rollback,
    Finish,
}

/// <summary>
/// The legal moves of a change: PendingApproval → Approved → Running ⇄ Paused → Succeeded | Failed | Aborted | RolledBack,
/// and Rejected. Everything that changes a status asks here first. A rollback is a rollout too: it pauses, resumes and
/// aborts like one (it resumes as a rollback).
/// </summary>
public static class ChangeLifecycle
{
    private static readonly ChangeStatus[] Ended =
        [ChangeStatus.Succeeded, ChangeStatus.Failed, ChangeStatus.Aborted, ChangeStatus.RolledBack, ChangeStatus.Rejected];

    public static bool IsEnded(ChangeStatus status) => Ended.Contains(status);

    /// <summary>Null when <paramref name="action"/> is legal in <paramref name="status"/>; otherwise why not, in words.</summary>
    public static string? Refusal(ChangeStatus status, ChangeAction action, bool rollingBack = false) => action switch
    {
        ChangeAction.Edit or ChangeAction.Approve or ChangeAction.Reject when status != ChangeStatus.PendingApproval =>
            $"The change is {Describe(status)}; only a change awaiting approval can be {Verb(action)}.",
        ChangeAction.Start when status != ChangeStatus.Approved => $"The change is {Describe(status)}; only an approved change can start.",
        ChangeAction.Pause when status != ChangeStatus.Running => $"The change is {Describe(status)}; only a running rollout can be paused.",
        ChangeAction.Resume when status != ChangeStatus.Paused => $"The change is {Describe(status)}; only a paused rollout can be resumed.",
        ChangeAction.Abort when status is not (ChangeStatus.Running or ChangeStatus.Paused or ChangeStatus.Approved or ChangeStatus.PendingApproval) =>
            $"The change is {Describe(status)}; there is nothing left to abort.",
        ChangeAction.Rollback when status is not (ChangeStatus.Running or ChangeStatus.Paused or ChangeStatus.Succeeded or ChangeStatus.Failed or ChangeStatus.Aborted) =>
            $"The change is {Describe(status)}; only a change that has started can be rolled back.",
        ChangeAction.Rollback when rollingBack => "The change is already being rolled back.",
        ChangeAction.Finish when status != ChangeStatus.Running => $"The change is {Describe(status)}; only a running rollout can finish.",
        _ => null,
    };

    public static bool Allows(ChangeStatus status, ChangeAction action, bool rollingBack = false) => Refusal(status, action, rollingBack) is null;

    /// <summary>Who may edit what, where and why: the requester, or any SRE (whether the status allows it is <see cref="Refusal"/>'s answer).</summary>
    public static bool MayEdit(string requestedBy, string user, string role) =>
        string.Equals(requestedBy, user, StringComparison.OrdinalIgnoreCase) || Roles.Satisfies(role, Roles.Sre);

    /// <summary>Where a legal action leads; Finish and Rollback end where the rollout says (see the rollout engine).</summary>
    public static ChangeStatus After(ChangeStatus status, ChangeAction action, bool rollingBack = false)
    {
        if (Refusal(status, action, rollingBack) is { } refusal) throw new InvalidOperationException(refusal);
        return action switch
        {
            ChangeAction.Edit => ChangeStatus.PendingApproval,
            ChangeAction.Approve => ChangeStatus.Approved,
            ChangeAction.Reject => ChangeStatus.Rejected,
            ChangeAction.Start or ChangeAction.Resume or ChangeAction.Rollback => ChangeStatus.Running,
            ChangeAction.Pause => ChangeStatus.Paused,
            ChangeAction.Abort => ChangeStatus.Aborted,
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Finish ends as the rollout decides."),
        };
    }

    public static string Describe(ChangeStatus status) => status switch
    {
        ChangeStatus.PendingApproval => "awaiting approval",
        ChangeStatus.RolledBack => "rolled back",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static string Verb(ChangeAction action) => action switch
    {
        ChangeAction.Edit => "edited",
        ChangeAction.Approve => "approved",
        _ => "rejected",
    };
}
