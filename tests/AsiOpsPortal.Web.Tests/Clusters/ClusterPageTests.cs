using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Web.Clusters;
using AsiOpsPortal.Web.Tests.Support;
using ClusterPage = AsiOpsPortal.Web.Clusters.Pages.ClusterPage;
using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Clusters;

public sealed class ClusterPageTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(ClusterPageTests));
        await _portal.SeedAsync(
            new SeedCluster("prod-sh-01", "prod", "cn-shanghai", Tier: 0, Nodes: 4, NotReady: 3),
            new SeedCluster("test-bj-01", "test", "cn-beijing", Tier: 3, Nodes: 2, Unreachable: "test-bj-01: connection refused"));
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private IRenderedComponent<ClusterPage> RenderPage(string name)
    {
        var cut = _portal.Render<ClusterPage>(p => p.Add(x => x.Name, name));
        // Settled: either the not-found notice, or the cluster with its node table loaded.
        cut.WaitForAssertion(() => Assert.True(
            cut.FindAll(".mud-alert").Count > 0
            || cut.FindAll("[data-testid=node-table] tbody tr.mud-table-row").Count > 0
            || cut.Find("[data-testid=node-table]").TextContent.Contains("No nodes recorded yet")), Timeout);
        return cut;
    }

    private static IReadOnlyList<string> ButtonTexts(IRenderedComponent<ClusterPage> cut) =>
        cut.FindAll("button").Select(b => b.TextContent.Trim()).Where(t => t.Length > 0).ToList();

    [Fact]
    public void ClusterPage_ListsNodesNotReadyFirst_WhenSomeNodesAreNotReady()
    {
        // FakeClusterClient makes the lowest-numbered nodes NotReady, so this cannot tell NotReady-first from name order.
        var cut = RenderPage("prod-sh-01");

        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=node-table] tbody tr.mud-table-row").Count), Timeout);
        var rows = cut.FindAll("[data-testid=node-table] tbody tr.mud-table-row");
        Assert.Equal(
            ["prod-sh-01-node-000", "prod-sh-01-node-001", "prod-sh-01-node-002", "prod-sh-01-node-003"],
            rows.Select(r => r.Children[0].TextContent.Trim()));
        Assert.Equal(["NotReady", "NotReady", "NotReady", "Ready"], rows.Select(r => r.Children[1].TextContent.Trim()));
        Assert.Contains("Ready=False", rows[0].Children[5].TextContent);
        Assert.Equal("", rows[3].Children[5].TextContent.Trim());
    }

    [Fact]
    public void ClusterPage_SaysHowManyNodesAreNotReady_WhenDegraded()
    {
        var cut = RenderPage("prod-sh-01");

        Assert.Equal("prod-sh-01", cut.Find("[data-testid=cluster-name]").TextContent.Trim());
        Assert.Equal("3 of 4 nodes NotReady", cut.Find("[data-testid=cluster-health]").TextContent.Trim());
        Assert.Equal("1 / 4", cut.Find("[data-testid=nodes-ready]").TextContent.Trim());
        Assert.Equal("Degraded", cut.Find("[data-testid=status-chip]").TextContent.Trim());
        Assert.Contains("https://prod-sh-01.example.com:6443", cut.Markup);
    }

    [Fact]
    public void ClusterPage_ShowsTheErrorAndLastKnownNodes_WhenUnreachable()
    {
        var cut = RenderPage("test-bj-01");

        Assert.Equal("Unreachable: test-bj-01: connection refused", cut.Find("[data-testid=cluster-health]").TextContent.Trim());
        Assert.Equal("Unreachable", cut.Find("[data-testid=status-chip]").TextContent.Trim());
        cut.WaitForAssertion(() => Assert.Contains("No nodes recorded yet", cut.Find("[data-testid=node-table]").TextContent), Timeout);
    }

    [Fact]
    public void ClusterPage_NeverShowsTheKubeconfig_WhenRendered()
    {
        var cut = RenderPage("prod-sh-01");

        Assert.DoesNotContain("test-token", cut.Markup);
        Assert.DoesNotContain("apiVersion", cut.Markup);
    }

    [Fact]
    public void ClusterPage_OffersSyncEditRemove_WhenUserIsSre()
    {
        var cut = RenderPage("prod-sh-01");

        Assert.Subset(ButtonTexts(cut).ToHashSet(), new HashSet<string> { "Sync now", "Edit", "Remove" });
    }

    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Developer)]
    public void ClusterPage_HidesOperations_WhenUserIsBelowSre(string role)
    {
        _portal.SignIn("dave", role);

        var cut = RenderPage("prod-sh-01");

        Assert.Equal("3 of 4 nodes NotReady", cut.Find("[data-testid=cluster-health]").TextContent.Trim());
        var buttons = ButtonTexts(cut);
        Assert.DoesNotContain("Sync now", buttons);
        Assert.DoesNotContain("Edit", buttons);
        Assert.DoesNotContain("Remove", buttons);
    }

    [Fact]
    public void ClusterPage_SaysNotFound_WhenNoClusterHasThatName()
    {
        var cut = RenderPage("prod-nowhere-01");

        Assert.Contains("No cluster named 'prod-nowhere-01' is registered.", cut.Find(".mud-alert").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=node-table]"));
        Assert.DoesNotContain("Sync now", ButtonTexts(cut));
    }

    [Fact]
    public async Task ClusterPage_QueuesASyncAndAuditsIt_WhenSreClicksSyncNow()
    {
        var cut = RenderPage("prod-sh-01");
        // Registration already queued each cluster's first sync: wait for one more, the click's.
        int SyncJobs() => _portal.Jobs.Jobs.Count(j => j.Type == typeof(InventorySyncJob) && j.Method.Name == nameof(InventorySyncJob.SyncClusterAsync));
        var before = SyncJobs();

        cut.Click("[data-testid=sync-now]");

        cut.WaitForAssertion(() => Assert.Equal(before + 1, SyncJobs()), Timeout);
        Assert.Equal("Sync queued…", cut.Find("[data-testid=sync-now]").TextContent.Trim());
        Assert.True(cut.Find("[data-testid=sync-now]").HasAttribute("disabled"));
        var audit = await _portal.QueryAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.ClusterSyncRequested));
        Assert.Equal(("bob", "cluster/prod-sh-01"), (Assert.Single(audit).Actor, audit[0].Target));
    }

    [Fact]
    public async Task ClusterPage_RemovesClusterAndGoesToTheList_WhenSreConfirms()
    {
        var cut = RenderPage("prod-sh-01");

        cut.ClickButton("Remove");
        _portal.Dialogs.WaitForAssertion(() => Assert.Contains("Remove 'prod-sh-01' from the portal?", _portal.Dialogs.Markup), Timeout);
        _portal.Dialogs.ClickButton("Remove");

        cut.WaitForAssertion(() => Assert.EndsWith("/clusters", _portal.Navigation.Uri), Timeout);
        Assert.Empty(await _portal.QueryAsync(db => db.Clusters.Where(c => c.Name == "prod-sh-01")));
        Assert.Empty(await _portal.QueryAsync(db => db.Nodes.Where(n => n.Name.StartsWith("prod-sh-01"))));
        var removed = Assert.Single(await _portal.QueryAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.ClusterRemoved)));
        Assert.Equal("bob", removed.Actor);
    }

    [Fact]
    public async Task ClusterPage_KeepsCluster_WhenSreCancelsRemoval()
    {
        var cut = RenderPage("prod-sh-01");

        cut.ClickButton("Remove");
        _portal.Dialogs.WaitForAssertion(() => Assert.Contains("Remove 'prod-sh-01' from the portal?", _portal.Dialogs.Markup), Timeout);
        _portal.Dialogs.ClickButton("Cancel");

        _portal.Dialogs.WaitForAssertion(() => Assert.DoesNotContain("Remove 'prod-sh-01'", _portal.Dialogs.Markup), Timeout);
        Assert.Single(await _portal.QueryAsync(db => db.Clusters.Where(c => c.Name == "prod-sh-01")));
        Assert.DoesNotContain("/clusters", _portal.Navigation.Uri);
    }

    [Fact]
    public async Task ClusterPage_SavesNewMetadata_WhenSreEditsIt()
    {
        var cut = RenderPage("prod-sh-01");
        cut.ClickButton("Edit");

        cut.WaitForElement("[data-testid=field-region]", Timeout);
        cut.Fill("[data-testid=field-region]", "cn-shenzhen");
        cut.Click("[data-testid=submit]");

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=submit]")), Timeout);
        Assert.Contains("cn-shenzhen", cut.Markup);
        var cluster = Assert.Single(await _portal.QueryAsync(db => db.Clusters.Where(c => c.Name == "prod-sh-01")));
        Assert.Equal("cn-shenzhen", cluster.Region);
        var updated = Assert.Single(await _portal.QueryAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.ClusterUpdated)));
        Assert.Contains("region=cn-shanghai", updated.Details);
        Assert.Contains("region=cn-shenzhen", updated.Details);
    }

    [Fact]
    public async Task ClusterPage_ShowsValidationError_WhenEditedRegionIsInvalid()
    {
        var cut = RenderPage("prod-sh-01");
        cut.ClickButton("Edit");

        cut.WaitForElement("[data-testid=field-region]", Timeout);
        cut.Fill("[data-testid=field-region]", "Shen Zhen");
        cut.Click("[data-testid=submit]");

        cut.WaitForAssertion(() => Assert.Contains("Region is required", cut.Find("[data-testid=form-error]").TextContent), Timeout);
        var cluster = Assert.Single(await _portal.QueryAsync(db => db.Clusters.Where(c => c.Name == "prod-sh-01")));
        Assert.Equal("cn-shanghai", cluster.Region);
    }
}
