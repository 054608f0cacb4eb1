using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Changes;

namespace AsiOpsPortal.Core.Tests.Changes;

public class ApprovalPolicyTests
{
    private static Change NewChange(RiskLevel risk = RiskLevel.High) => new()
    {
        Title = "web 1.27",
        RequestedBy = "alice",
        PipelineName = "standard",
        RiskLevel = risk,
        RequiredApprovals = ApprovalPolicy.RequiredApprovals(risk),
    };

    private static void Give(Change change, string approver, ApprovalDecision decision = ApprovalDecision.Approve) =>
        change.Approvals.Add(new Approval { Approver = approver, Decision = decision, Revision = change.Revision });

    // RiskOf(plan) moved out: risk is graded by RiskGrading (scope and rule findings), tested in Risk/RiskGradingTests.
    [Fact]
    public void RequiredApprovals_FollowsTheRiskLevel_WithAnAdminOnlyAtCritical()
    {
        Assert.Equal(1, ApprovalPolicy.RequiredApprovals(RiskLevel.Low));
        Assert.Equal(2, ApprovalPolicy.RequiredApprovals(RiskLevel.Medium));
        Assert.Equal(2, ApprovalPolicy.RequiredApprovals(RiskLevel.High));
        Assert.Equal(3, ApprovalPolicy.RequiredApprovals(RiskLevel.Critical));
        Assert.False(ApprovalPolicy.RequiresAdmin(RiskLevel.High));
        Assert.True(ApprovalPolicy.RequiresAdmin(RiskLevel.Critical));
        Assert.Equal("2 distinct SREs and an Admin", ApprovalPolicy.Describe(RiskLevel.Critical));
    }

    [Fact]
    public void FreezeException_NeedsAnAdminsGrantBesidesTheReviews_AndTheGrantIsNoReview()
    {
        var change = NewChange(RiskLevel.Low);
        change.RunThrough = new FreezeException { WindowIds = [Guid.NewGuid()], WindowNames = ["singles-day"], Reason = "CVE fix" };
        Give(change, "bob");
        Assert.False(ApprovalPolicy.IsSatisfied(change));

        Assert.Equal("Only an Admin may grant a freeze exception.", ApprovalPolicy.ExceptionRefusal(change, "carol", Roles.Sre));
        Assert.Contains("another Admin", ApprovalPolicy.ExceptionRefusal(change, "alice", Roles.Admin));
        Assert.Null(ApprovalPolicy.ExceptionRefusal(change, "admin", Roles.Admin));
        change.Approvals.Add(new Approval
        {
            Kind = ApprovalKind.FreezeException, Approver = "admin", ApproverRole = Roles.Admin, Decision = ApprovalDecision.Approve,
            Comment = "on call watching", Revision = change.Revision,
        });

        Assert.True(ApprovalPolicy.IsSatisfied(change));
        Assert.Equal(1, ApprovalPolicy.Count(change));
        Assert.Contains("already granted", ApprovalPolicy.ExceptionRefusal(change, "root", Roles.Admin));
        // The Admin who granted the exception may still review the change: the two are different approvals.
        Assert.Null(ApprovalPolicy.Refusal(change, "admin", Roles.Admin, ApprovalDecision.Approve));
    }

    [Fact]
    public void FreezeException_GrantedForAnEarlierRevision_DoesNotCount()
    {
        var change = NewChange(RiskLevel.Low);
        change.RunThrough = new FreezeException { WindowIds = [Guid.NewGuid()], WindowNames = ["singles-day"], Reason = "CVE fix" };
        change.Approvals.Add(new Approval { Kind = ApprovalKind.FreezeException, Approver = "admin", Decision = ApprovalDecision.Approve, Revision = 1 });
        change.Revision = 2;
        Give(change, "bob");

        Assert.False(ApprovalPolicy.IsSatisfied(change));
        Assert.Null(ApprovalPolicy.ExceptionGrant(change));
    }

    [Fact]
    public void IsSatisfied_NeedsNoGrant_WhenTheChangeAsksForNoFreezeException()
    {
        var change = NewChange(RiskLevel.Low);
        Give(change, "bob");

        Assert.True(ApprovalPolicy.IsSatisfied(change));
        Assert.Contains("no freeze window", ApprovalPolicy.ExceptionRefusal(change, "admin", Roles.Admin));
    }

    [Fact]
    public void IsSatisfied_NeedsAnAdminAmongTheApprovers_ForCriticalRisk()
    {
        var change = NewChange(RiskLevel.Critical);
        Give(change, "bob");
        Give(change, "carol");
        Assert.Contains("Admin", ApprovalPolicy.Refusal(change, "erin", Roles.Sre, ApprovalDecision.Approve));
        Assert.Null(ApprovalPolicy.Refusal(change, "erin", Roles.Sre, ApprovalDecision.Reject));
        Assert.Null(ApprovalPolicy.Refusal(change, "admin", Roles.Admin, ApprovalDecision.Approve));

        change.Approvals.Add(new Approval { Approver = "admin", ApproverRole = Roles.Admin, Decision = ApprovalDecision.Approve, Revision = change.Revision });

        Assert.True(ApprovalPolicy.IsSatisfied(change));
    }

    [Fact]
    public void IsSatisfied_IsFalse_ForCriticalRiskWithThreeSresButNoAdmin()
    {
        var change = NewChange(RiskLevel.Critical);
        foreach (var sre in new[] { "bob", "carol", "erin" })
            change.Approvals.Add(new Approval { Approver = sre, ApproverRole = Roles.Sre, Decision = ApprovalDecision.Approve, Revision = change.Revision });

        Assert.False(ApprovalPolicy.IsSatisfied(change));
    }

    [Fact]
    public void Refusal_RefusesTheRequester_EvenAnSre()
    {
        var change = NewChange();

        Assert.Contains("requested", ApprovalPolicy.Refusal(change, "ALICE", Roles.Admin, ApprovalDecision.Approve));
    }

    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Developer)]
    public void Refusal_RefusesRolesBelowSre(string role)
    {
        Assert.Contains(Roles.Sre, ApprovalPolicy.Refusal(NewChange(), "dave", role, ApprovalDecision.Approve));
    }

    [Fact]
    public void Refusal_RefusesASecondReviewBySamePerson_ForTheSameRevision()
    {
        var change = NewChange();
        Give(change, "bob");

        Assert.NotNull(ApprovalPolicy.Refusal(change, "bob", Roles.Sre, ApprovalDecision.Approve));
        Assert.Null(ApprovalPolicy.Refusal(change, "carol", Roles.Sre, ApprovalDecision.Approve));
    }

    [Fact]
    public void IsSatisfied_NeedsTwoDistinctApprovers_ForHighRisk()
    {
        var change = NewChange(RiskLevel.High);
        Give(change, "bob");
        Give(change, "BOB");
        Assert.False(ApprovalPolicy.IsSatisfied(change));

        Give(change, "carol");
        Assert.True(ApprovalPolicy.IsSatisfied(change));
    }

    [Fact]
    public void IsSatisfied_IgnoresTheRequestersOwnApproval()
    {
        var change = NewChange(RiskLevel.Low);
        Give(change, "alice");

        Assert.False(ApprovalPolicy.IsSatisfied(change));
    }

    [Fact]
    public void IsSatisfied_IgnoresApprovalsOfAnEarlierRevision_WhenTheChangeWasEdited()
    {
        var change = NewChange(RiskLevel.Low);
        Give(change, "bob");
        Assert.True(ApprovalPolicy.IsSatisfied(change));

        change.Revision++;

        Assert.False(ApprovalPolicy.IsSatisfied(change));
        Assert.Null(ApprovalPolicy.Refusal(change, "bob", Roles.Sre, ApprovalDecision.Approve));
    }

    [Fact]
    public void Refusal_RefusesReview_WhenTheChangeIsNoLongerPending()
    {
        var change = NewChange();
        change.Status = ChangeStatus.Rejected;

        Assert.NotNull(ApprovalPolicy.Refusal(change, "bob", Roles.Sre, ApprovalDecision.Approve));
    }
    [Theory]
    [InlineData(RiskLevel.Low)]
    [InlineData(RiskLevel.High)]
    [InlineData(RiskLevel.Critical)]
    public void Refusal_RefusesAnEditor_AtEveryRiskLevel(RiskLevel risk)
    {
        var change = NewChange(risk);
        change.Revision = 2;
        change.EditedBy = ["Bob"];
        var refusal = ApprovalPolicy.Refusal(change, "bob", Roles.Admin, ApprovalDecision.Approve);
        Assert.Contains("You edited this change", refusal);
        Assert.Null(ApprovalPolicy.Refusal(change, "carol", Roles.Admin, ApprovalDecision.Approve));
    }

    [Fact]
    public void IsSatisfied_IgnoresAnEditorsApproval_EvenOnALaterRevisionSomeoneElseMade()
    {
        var change = NewChange(RiskLevel.Low);
        change.Revision = 3;
        change.EditedBy = ["bob", "carol"];
        Give(change, "bob");
        Assert.False(ApprovalPolicy.IsSatisfied(change));
        Give(change, "dave");
        Assert.True(ApprovalPolicy.IsSatisfied(change));
        Assert.Equal(1, ApprovalPolicy.Count(change));
    }

    [Fact]
    public void ExceptionRefusal_RefusesAnAdminWhoEditedTheChange()
    {
        var change = NewChange(RiskLevel.Low);
        change.RunThrough = new FreezeException { WindowIds = [Guid.NewGuid()], WindowNames = ["singles-day"], Reason = "CVE fix" };
        change.EditedBy = ["admin"];
        Assert.Contains("You edited this change", ApprovalPolicy.ExceptionRefusal(change, "admin", Roles.Admin));
    }
}
