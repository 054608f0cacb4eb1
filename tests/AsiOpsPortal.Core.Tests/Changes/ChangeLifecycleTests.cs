using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Changes;

namespace AsiOpsPortal.Core.Tests.Changes;

public class ChangeLifecycleTests
{
    /// <summary>Every legal move; everything else must be refused.</summary>
    private static readonly (ChangeStatus From, ChangeAction Action, ChangeStatus To)[] Legal =
    [
        (ChangeStatus.PendingApproval, ChangeAction.Edit, ChangeStatus.PendingApproval),
        (ChangeStatus.PendingApproval, ChangeAction.Approve, ChangeStatus.Approved),
        (ChangeStatus.PendingApproval, ChangeAction.Reject, ChangeStatus.Rejected),
        (ChangeStatus.PendingApproval, ChangeAction.Abort, ChangeStatus.Aborted),
        (ChangeStatus.Approved, ChangeAction.Start, ChangeStatus.Running),
        (ChangeStatus.Approved, ChangeAction.Abort, ChangeStatus.Aborted),
        (ChangeStatus.Running, ChangeAction.Pause, ChangeStatus.Paused),
        (ChangeStatus.Running, ChangeAction.Abort, ChangeStatus.Aborted),
        (ChangeStatus.Running, ChangeAction.Rollback, ChangeStatus.Running),
        (ChangeStatus.Paused, ChangeAction.Resume, ChangeStatus.Running),
        (ChangeStatus.Paused, ChangeAction.Abort, ChangeStatus.Aborted),
        (ChangeStatus.Paused, ChangeAction.Rollback, ChangeStatus.Running),
        (ChangeStatus.Succeeded, ChangeAction.Rollback, ChangeStatus.Running),
        (ChangeStatus.Failed, ChangeAction.Rollback, ChangeStatus.Running),
        (ChangeStatus.Aborted, ChangeAction.Rollback, ChangeStatus.Running),
    ];

    public static TheoryData<ChangeStatus, ChangeAction> AllPairs()
    {
        var data = new TheoryData<ChangeStatus, ChangeAction>();
        foreach (var status in Enum.GetValues<ChangeStatus>())
        foreach (var action in Enum.GetValues<ChangeAction>())
            if (action != ChangeAction.Finish) data.Add(status, action);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void After_FollowsTheTable_ForEveryStatusAndAction(ChangeStatus from, ChangeAction action)
    {
        var legal = Legal.Where(l => l.From == from && l.Action == action).ToList();

        if (legal.Count == 1)
        {
            Assert.Null(ChangeLifecycle.Refusal(from, action));
            Assert.Equal(legal[0].To, ChangeLifecycle.After(from, action));
        }
        else
        {
            var refusal = ChangeLifecycle.Refusal(from, action);
            Assert.False(string.IsNullOrWhiteSpace(refusal));
            Assert.Throws<InvalidOperationException>(() => ChangeLifecycle.After(from, action));
        }
    }

    [Fact]
    public void Refusal_RefusesASecondRollback_WhenARollbackIsRunning()
    {
        Assert.NotNull(ChangeLifecycle.Refusal(ChangeStatus.Running, ChangeAction.Rollback, rollingBack: true));
    }

    [Theory]
    [InlineData(ChangeStatus.Running, ChangeAction.Pause, ChangeStatus.Paused)]
    [InlineData(ChangeStatus.Running, ChangeAction.Abort, ChangeStatus.Aborted)]
    [InlineData(ChangeStatus.Paused, ChangeAction.Resume, ChangeStatus.Running)]
    [InlineData(ChangeStatus.Paused, ChangeAction.Abort, ChangeStatus.Aborted)]
    public void After_PausesResumesAndAbortsARollback_LikeARollout(ChangeStatus from, ChangeAction action, ChangeStatus to)
    {
        Assert.Equal(to, ChangeLifecycle.After(from, action, rollingBack: true));
    }

    [Fact]
    public void Refusal_AllowsFinish_OnlyWhileRunning()
    {
        Assert.Null(ChangeLifecycle.Refusal(ChangeStatus.Running, ChangeAction.Finish));
        Assert.NotNull(ChangeLifecycle.Refusal(ChangeStatus.Paused, ChangeAction.Finish));
    }

    [Fact]
    public void IsEnded_IsTrue_OnlyForTerminalStatuses()
    {
        var ended = Enum.GetValues<ChangeStatus>().Where(ChangeLifecycle.IsEnded).ToHashSet();

        Assert.Equal(new HashSet<ChangeStatus> { ChangeStatus.Succeeded, ChangeStatus.Failed, ChangeStatus.Aborted, ChangeStatus.RolledBack, ChangeStatus.Rejected }, ended);
    }

    [Theory]
    [InlineData("alice", Roles.Developer, true)]
    [InlineData("ALICE", Roles.Viewer, true)]
    [InlineData("bob", Roles.Sre, true)]
    [InlineData("admin", Roles.Admin, true)]
    [InlineData("erin", Roles.Developer, false)]
    [InlineData("dave", Roles.Viewer, false)]
    public void MayEdit_AllowsTheRequesterAndSres_Only(string user, string role, bool allowed) =>
        Assert.Equal(allowed, ChangeLifecycle.MayEdit("alice", user, role));
}
