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

    private static ChangePlan PlanIn(params string[] environments) => new()
    {
        Waves = [new PlannedWave { Name = "w", Clusters = environments.Select((e, i) => new PlannedCluster { Name = $"c{i}", Environment = e }).ToList() }],
    };

    [Fact]
    public void RiskOf_IsHigh_WhenAnyPlannedClusterIsProduction()
    {
        Assert.Equal(RiskLevel.High, ApprovalPolicy.RiskOf(PlanIn("test", "staging", "prod")));
        Assert.Equal(RiskLevel.Low, ApprovalPolicy.RiskOf(PlanIn("test", "staging")));
    }

    [Fact]
    public void RequiredApprovals_IsOneForLowAndTwoForHigh()
    {
        Assert.Equal(1, ApprovalPolicy.RequiredApprovals(RiskLevel.Low));
        Assert.Equal(2, ApprovalPolicy.RequiredApprovals(RiskLevel.High));
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
