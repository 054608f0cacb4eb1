using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Freeze;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Changes;
using AsiOpsPortal.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using ProposeChange = AsiOpsPortal.Web.Changes.Pages.ProposeChange;
using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Changes;

public sealed class ProposeChangeTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(ProposeChangeTests), "alice", Roles.Developer);
        await _portal.SeedAsync(new SeedCluster("test-hz-01", "test", "cn-hangzhou", Tier: 3));
        await using var db = _portal.Db.CreateContext();
        db.Pipelines.Add(new Pipeline { Name = "only-test", UpdatedAt = DateTimeOffset.UtcNow, Waves = [new WaveSpec { Name = "all", Clusters = ["test-hz-01"] }] });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private IRenderedComponent<ProposeChange> RenderForm()
    {
        var cut = _portal.Render<ProposeChange>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=submit]")), Timeout);
        return cut;
    }

    private static void UseManifests(IRenderedComponent<ProposeChange> cut, string title, string manifests)
    {
        cut.OnRenderer(() => cut.FindAll("[data-testid=source] input[type=radio]")[1].Click());
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("textarea[data-testid=manifests], [data-testid=manifests] textarea")), Timeout);
        cut.Fill("input[data-testid=title], [data-testid=title] input", title);
        cut.Fill("textarea[data-testid=reason], [data-testid=reason] textarea", "hot fix");
        cut.Fill("textarea[data-testid=manifests], [data-testid=manifests] textarea", manifests);
    }

    [Fact]
    public void ProposeChange_StopsTypingAtTheLengthTheServerStores_AndCountsTheLongTexts()
    {
        var cut = RenderForm();

        Assert.Equal($"{ChangeProposals.MaxTitleLength}", cut.Find("input[data-testid=title], [data-testid=title] input").GetAttribute("maxlength"));
        Assert.Equal($"{StoredText.Text}", cut.Find("textarea[data-testid=reason], [data-testid=reason] textarea").GetAttribute("maxlength"));
        Assert.Equal($"{StoredText.LongText}", cut.Find("textarea[data-testid=rollback-plan], [data-testid=rollback-plan] textarea").GetAttribute("maxlength"));
        cut.Fill("textarea[data-testid=reason], [data-testid=reason] textarea", "hot fix");
        cut.WaitForAssertion(() => Assert.Contains($"7 / {StoredText.Text}", cut.Markup), Timeout);
    }

    [Fact]
    public void ProposeChange_NamesTheDocumentAndLine_AndKeepsTheText_WhenAdHocManifestsAreInvalid()
    {
        var cut = RenderForm();
        const string broken = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n";
        UseManifests(cut, "bad manifests", broken);

        cut.Click("[data-testid=submit]");

        cut.WaitForAssertion(() => Assert.Contains("Document 1", cut.Find("[data-testid=propose-errors]").TextContent), Timeout);
        Assert.Contains("metadata.name", cut.Find("[data-testid=propose-errors]").TextContent);
        Assert.Equal(broken, cut.Find("textarea[data-testid=manifests], [data-testid=manifests] textarea").GetAttribute("value") ?? cut.Find("textarea[data-testid=manifests], [data-testid=manifests] textarea").TextContent);
    }

    [Fact]
    public async Task ProposeChange_SubmitsAdHocManifests_AndOpensTheNewChange()
    {
        var cut = RenderForm();
        UseManifests(cut, "one config map", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  beta: \"on\"\n");

        cut.Click("[data-testid=submit]");

        cut.WaitForAssertion(() => Assert.Matches("/changes/\\d+$", _portal.Navigation.Uri), Timeout);
        var change = Assert.Single(await _portal.QueryAsync(db => db.Changes));
        Assert.Equal(ChangeStatus.PendingApproval, change.Status);
        Assert.Null(change.ComponentId);
        Assert.Contains("name: flags", change.Manifests);
        Assert.Equal("alice", change.RequestedBy);
    }

    private ChangeProposals Proposals => _portal.Bunit.Services.GetRequiredService<ChangeProposals>();
    private ChangeReviews Reviews => _portal.Bunit.Services.GetRequiredService<ChangeReviews>();
    private ChangeQueries Changes => _portal.Bunit.Services.GetRequiredService<ChangeQueries>();

    private const string FlagsV1 = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  beta: \"off\"\n";

    /// <summary>
    /// alice's ad-hoc change to a production cluster (high risk: two approvals needed), with bob's approval given. A test
    /// canary goes first and the prod cluster is tier 1, so the default risk rules let it through without an override.
    /// </summary>
    private async Task<long> ProposeToProductionWithOneApprovalAsync()
    {
        await _portal.SeedAsync(new SeedCluster("prod-bj-01", "prod", "cn-beijing", Tier: 1));
        await using (var db = _portal.Db.CreateContext())
        {
            db.Pipelines.Add(new Pipeline
            {
                Name = "to-prod", UpdatedAt = DateTimeOffset.UtcNow,
                Waves = [new WaveSpec { Name = "canary", Clusters = ["test-hz-01"], Canary = true }, new WaveSpec { Name = "prod", Clusters = ["prod-bj-01"] }],
            });
            await db.SaveChangesAsync();
        }
        var id = (await Proposals.ProposeAsync(new ChangeProposal("flags off", "kill switch", "apply the old flags", null, null, "to-prod", FlagsV1, "flags"), new Actor("alice", Roles.Developer))).Id;
        await Reviews.ReviewAsync(id, new ReviewRequest("approve", ""), new Actor("bob", Roles.Sre));
        return id;
    }

    private IRenderedComponent<ProposeChange> RenderEdit(long id)
    {
        var cut = _portal.Render<ProposeChange>(p => p.Add(x => x.EditId, id));
        cut.WaitForAssertion(() => Assert.True(cut.FindAll("[data-testid=save]").Count > 0 || cut.FindAll("[data-testid=edit-refusal]").Count > 0), Timeout);
        return cut;
    }

    private static string TitleOf(IRenderedComponent<ProposeChange> cut) =>
        cut.Find("input[data-testid=title], [data-testid=title] input").GetAttribute("value") ?? "";

    [Fact]
    public void ProposeChange_PreviewsAdHocManifestsAsAllNew_SayingTheClustersStateIsUnknown()
    {
        var cut = RenderForm();
        UseManifests(cut, "flags", FlagsV1);

        cut.Click("[data-testid=preview]");

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=plan-diff]")), Timeout);
        Assert.Contains("does not know what the clusters run now", cut.Find("[data-testid=state-unknown]").TextContent);
        var diff = cut.Find("[data-testid=plan-diff]");
        Assert.Contains("current state not known to the portal", diff.QuerySelector("[data-testid=plan-diff-heading]")!.TextContent);
        Assert.Equal("test-hz-01", diff.QuerySelector("[data-testid=plan-diff-clusters]")!.TextContent.Trim());
        Assert.Equal(6, diff.QuerySelectorAll("tr.diff-added").Length);
        Assert.Empty(diff.QuerySelectorAll("tr.diff-removed"));
    }

    [Fact]
    public async Task ProposeChange_EditsAChange_AfterShowingTheNewPlanAndTheApprovalsItVoids()
    {
        var id = await ProposeToProductionWithOneApprovalAsync();

        var cut = RenderEdit(id);
        Assert.Equal("flags off", TitleOf(cut));
        Assert.Contains("beta: \"off\"", cut.Find("textarea[data-testid=manifests], [data-testid=manifests] textarea").GetAttribute("value") ?? cut.Find("textarea[data-testid=manifests], [data-testid=manifests] textarea").TextContent);
        cut.Fill("input[data-testid=title], [data-testid=title] input", "flags off, take two");
        cut.Click("[data-testid=save]");

        cut.WaitForAssertion(() => Assert.Contains("Saving voids the 1 approval given so far", cut.Find("[data-testid=edit-warning]").TextContent), Timeout);
        Assert.Contains("2 clusters in 2 waves", cut.Find("[data-testid=plan-preview]").TextContent);
        var unsaved = Assert.Single(await _portal.QueryAsync(db => db.Changes));
        Assert.Equal((1, "flags off"), (unsaved.Revision, unsaved.Title));

        cut.Click("[data-testid=confirm-save]");

        cut.WaitForAssertion(() => Assert.EndsWith($"/changes/{id}", _portal.Navigation.Uri), Timeout);
        var change = Assert.Single(await _portal.QueryAsync(db => db.Changes));
        Assert.Equal((2, "flags off, take two", ChangeStatus.PendingApproval), (change.Revision, change.Title, change.Status));
        var detail = (await Changes.GetAsync(id))!;
        Assert.All(detail.Approvals, a => Assert.False(a.Current));
    }

    [Fact]
    public async Task ProposeChange_KeepsWhatWasTyped_WhenTheChangeIsApprovedBeforeTheEditIsSaved()
    {
        var id = await ProposeToProductionWithOneApprovalAsync();
        var cut = RenderEdit(id);
        cut.Fill("input[data-testid=title], [data-testid=title] input", "too late");
        cut.Click("[data-testid=save]");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=confirm-save]")), Timeout);

        await Reviews.ReviewAsync(id, new ReviewRequest("approve", ""), new Actor("carol", Roles.Sre));
        cut.Click("[data-testid=confirm-save]");

        cut.WaitForAssertion(() => Assert.Contains("only a change awaiting approval can be edited", cut.Find("[data-testid=propose-errors]").TextContent), Timeout);
        Assert.Equal("too late", TitleOf(cut));
        Assert.Empty(cut.FindAll("[data-testid=edit-warning]"));
        Assert.Equal("flags off", Assert.Single(await _portal.QueryAsync(db => db.Changes)).Title);
    }

    [Fact]
    public async Task ProposeChange_KeepsTheFreezeExceptionAskedFor_WhenAnEditIsSaved()
    {
        var now = DateTime.SpecifyKind(DateTime.UtcNow, DateTimeKind.Unspecified);
        await using (var db = _portal.Db.CreateContext())
        {
            db.FreezeWindows.Add(new FreezeWindow { Name = "singles-day", Reason = "Singles' Day", Start = now.AddHours(-1), End = now.AddHours(2), TimeZone = "UTC" });
            await db.SaveChangesAsync();
        }
        var id = (await Proposals.ProposeAsync(new ChangeProposal("flags off", "kill switch", "apply the old flags", null, null, "only-test", FlagsV1, "flags",
            RunThrough: new RunThroughRequest(["singles-day"], "kill switch cannot wait")), new Actor("alice", Roles.Developer))).Id;

        var cut = RenderEdit(id);
        Assert.Equal("singles-day", cut.Find("input[data-testid=run-through], [data-testid=run-through] input").GetAttribute("value"));
        Assert.Equal("kill switch cannot wait", cut.Find("textarea[data-testid=run-through-reason], [data-testid=run-through-reason] textarea").TextContent);
        cut.Fill("textarea[data-testid=run-through-reason], [data-testid=run-through-reason] textarea", "the kill switch is the fix");
        cut.Click("[data-testid=save]");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=confirm-save]")), Timeout);
        cut.Click("[data-testid=confirm-save]");

        cut.WaitForAssertion(() => Assert.EndsWith($"/changes/{id}", _portal.Navigation.Uri), Timeout);
        var change = Assert.Single(await _portal.QueryAsync(db => db.Changes));
        Assert.Equal((2, "the kill switch is the fix"), (change.Revision, change.RunThrough.Reason));
        Assert.Equal(["singles-day"], change.RunThrough.WindowNames);
    }

    [Fact]
    public async Task ProposeChange_RefusesToEdit_ForAnotherDeveloper()
    {
        var id = await ProposeToProductionWithOneApprovalAsync();
        _portal.SignIn("erin", Roles.Developer);

        var cut = RenderEdit(id);

        Assert.Contains("Only the requester or an SRE may edit", cut.Find("[data-testid=edit-refusal]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=title]"));
    }
}
