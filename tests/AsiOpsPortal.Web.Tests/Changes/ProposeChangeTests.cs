using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Web.Tests.Support;
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
}
