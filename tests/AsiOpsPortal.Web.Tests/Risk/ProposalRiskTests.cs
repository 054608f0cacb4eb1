using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Web.Tests.Support;
using ProposeChange = AsiOpsPortal.Web.Changes.Pages.ProposeChange;
using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Risk;

/// <summary>The proposal form with the default risk rules: findings beside the plan, refusal, and an Admin's override.</summary>
public sealed class ProposalRiskTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private const string ConfigMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  beta: \"on\"\n";
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(ProposalRiskTests), "alice", Roles.Developer);
        await _portal.SeedAsync(new SeedCluster("prod-hz-01", "prod", "cn-hangzhou", Tier: 1));
        await using var db = _portal.Db.CreateContext();
        db.Pipelines.Add(new Pipeline { Name = "straight-to-prod", UpdatedAt = DateTimeOffset.UtcNow, Waves = [new WaveSpec { Name = "prod", Clusters = ["prod-hz-01"] }] });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private IRenderedComponent<ProposeChange> RenderFilledForm()
    {
        var cut = _portal.Render<ProposeChange>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=submit]")), Timeout);
        cut.OnRenderer(() => cut.FindAll("[data-testid=source] input[type=radio]")[1].Click());
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("textarea[data-testid=manifests], [data-testid=manifests] textarea")), Timeout);
        cut.Fill("input[data-testid=title], [data-testid=title] input", "flags to prod");
        cut.Fill("textarea[data-testid=reason], [data-testid=reason] textarea", "turn beta on");
        cut.Fill("textarea[data-testid=manifests], [data-testid=manifests] textarea", ConfigMap);
        return cut;
    }

    [Fact]
    public void Preview_ShowsBlockingFindingsAndTheRiskLevel_BeforeSubmitting()
    {
        var cut = RenderFilledForm();

        cut.Click("[data-testid=preview]");

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=finding]")), Timeout);
        var findings = cut.FindAll("[data-testid=finding]");
        Assert.Contains(findings, f => f.GetAttribute("data-severity") == "blocking" && f.TextContent.Contains("the first wave may not hold production clusters"));
        Assert.Contains(findings, f => f.TextContent.Contains("rollback-plan"));
        Assert.Equal("critical risk", cut.Find("[data-testid=risk-level]").TextContent.Trim());
        Assert.Contains("ask an Admin", cut.Find("[data-testid=blocked]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=override-reason]"));
    }

    [Fact]
    public async Task Submit_IsRefusedWithTheFindings_ForADeveloper()
    {
        var cut = RenderFilledForm();

        cut.Click("[data-testid=submit]");

        cut.WaitForAssertion(() => Assert.Contains("Blocked by risk rules", cut.Find("[data-testid=propose-errors]").TextContent), Timeout);
        Assert.NotEmpty(cut.FindAll("[data-testid=finding][data-severity=blocking]"));
        Assert.Empty(await _portal.QueryAsync(db => db.Changes));
    }

    [Fact]
    public async Task Submit_GoesThrough_WhenAnAdminGivesAnOverrideReason_AndTheOverrideIsAudited()
    {
        _portal.SignIn("root", Roles.Admin);
        var cut = RenderFilledForm();
        cut.Click("[data-testid=preview]");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=override-reason]")), Timeout);

        cut.Fill("textarea[data-testid=override-reason], [data-testid=override-reason] textarea", "flag flip, reversible in seconds");
        cut.Click("[data-testid=submit]");

        cut.WaitForAssertion(() => Assert.Matches("/changes/\\d+$", _portal.Navigation.Uri), Timeout);
        var change = Assert.Single(await _portal.QueryAsync(db => db.Changes));
        Assert.Equal("root", change.Risk.Override!.By);
        Assert.Equal("flag flip, reversible in seconds", change.Risk.Override.Reason);
        Assert.Equal(RiskLevel.Critical, change.RiskLevel);
        Assert.Single(await _portal.QueryAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.ChangeRiskOverridden && e.Actor == "root")));
    }
}
