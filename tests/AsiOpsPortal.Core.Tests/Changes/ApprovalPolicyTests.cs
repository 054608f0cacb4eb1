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
}
