using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Tests.Shared;
using AsiOpsPortal.Web.Catalog;
using AsiOpsPortal.Web.Catalog.Pages;
using AsiOpsPortal.Web.Tests.Support;
using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Catalog;

public sealed class ComponentListTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync() => _portal = await PortalTestContext.CreateAsync(nameof(ComponentListTests), "alice", Roles.Developer);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private IRenderedComponent<ComponentList> RenderSettled()
    {
        var cut = _portal.Render<ComponentList>();
        cut.WaitForAssertion(() => Assert.True(
            cut.FindAll("[data-testid=empty-state]").Count > 0 || cut.FindAll("[data-testid=component-link]").Count > 0), Timeout);
        return cut;
    }

    private static IReadOnlyList<IReadOnlyList<string>> Rows(IRenderedComponent<ComponentList> cut) =>
        cut.FindAll("[data-testid=component-table] tbody tr.mud-table-row")
            .Select(r => (IReadOnlyList<string>)r.Children.Select(c => c.TextContent.Trim()).ToList())
            .ToList();

    [Fact]
    public void ComponentList_TellsADeveloperHowToAddOne_WhenTheCatalogIsEmpty()
    {
        var cut = RenderSettled();

        var empty = cut.Find("[data-testid=empty-state]");
        Assert.Contains("The catalog is empty.", empty.TextContent);
        Assert.Contains("Add a component with New component, then upload its manifests as its first version.", empty.TextContent);
        Assert.Contains("POST /api/v1/components", empty.TextContent);
        Assert.Equal("components/new", empty.QuerySelector("a")!.GetAttribute("href"));
        Assert.Contains(cut.FindAll("a"), a => a.TextContent.Trim() == "New component" && a.GetAttribute("href") == "components/new");
    }

    [Fact]
    public void ComponentList_TellsAViewerWhoAddsComponents_WhenTheCatalogIsEmpty()
    {
        _portal.SignIn("dave", Roles.Viewer);

        var cut = RenderSettled();

        Assert.Contains("Developers add components and their versions; they will appear here.", cut.Find("[data-testid=empty-state]").TextContent);
        Assert.DoesNotContain("New component", cut.Markup);
    }

    [Fact]
    public async Task ComponentList_ShowsLatestVersionAndWhereEachVersionRuns_WhenComponentsExist()
    {
        await _portal.SeedAsync(new SeedCluster("prod-bj-01", "prod", "cn-beijing"), new SeedCluster("prod-bj-02", "prod", "cn-beijing"),
            new SeedCluster("test-hz-01", "test", "cn-hangzhou"));
        await _portal.Catalog.CreateAsync(new ComponentRegistration("web-frontend", "web", "The storefront.", "team-web"), People.Alice);
        await _portal.Catalog.AddVersionAsync("web-frontend", new VersionUpload("1.26.2", SampleManifests.Web("nginx:1.26.2")), People.Alice);
        await _portal.Catalog.AddVersionAsync("web-frontend", new VersionUpload("1.27.3", SampleManifests.Web("nginx:1.27.3")), People.Alice);
        await _portal.Catalog.CreateAsync(new ComponentRegistration("node-agent", "kube-system", "Node metrics.", null), People.Alice);
        await _portal.RecordReleaseAsync("prod-bj-01", "web-frontend", "1.26.2");
        await _portal.RecordReleaseAsync("prod-bj-02", "web-frontend", "1.26.2");
        await _portal.RecordReleaseAsync("test-hz-01", "web-frontend", "1.27.3");

        var cut = RenderSettled();

        Assert.Equal(
        [
            ["node-agent", "none yet", "0", "no clusters", "kube-system", "alice", "Node metrics."],
            ["web-frontend", "1.27.3", "2", "1.26.2 on 2 clusters1.27.3 on 1 cluster", "web", "team-web", "The storefront."],
        ], Rows(cut));
        Assert.Equal("components/web-frontend", cut.FindAll("[data-testid=component-link]")[1].GetAttribute("href"));
    }

    [Fact]
    public async Task ComponentList_ShowsMarkupAsText_WhenADescriptionContainsHtml()
    {
        await _portal.Catalog.CreateAsync(new ComponentRegistration("web", "web", "<b>bold</b><script>alert(1)</script>", "<i>me</i>"), People.Alice);

        var cut = RenderSettled();

        Assert.Equal("<b>bold</b><script>alert(1)</script>", Rows(cut)[0][6]);
        Assert.Empty(cut.FindAll("[data-testid=component-table] script"));
        Assert.Empty(cut.FindAll("[data-testid=component-table] b"));
        Assert.Contains("&lt;script&gt;", cut.Markup);
    }

    [Fact]
    public async Task ComponentList_ShowsOnlyMatchingComponents_WhenSearching()
    {
        await _portal.Catalog.CreateAsync(new ComponentRegistration("web-frontend", "web", "The storefront.", null), People.Alice);
        await _portal.Catalog.CreateAsync(new ComponentRegistration("node-agent", "kube-system", "Node metrics.", null), People.Alice);
        var cut = RenderSettled();

        cut.Type("[data-testid=component-search]", "metrics");

        cut.WaitForAssertion(() => Assert.Equal(["node-agent"], Rows(cut).Select(r => r[0])), Timeout);
        cut.Type("[data-testid=component-search]", "payments");
        cut.WaitForAssertion(() => Assert.Equal("No component matches 'payments'.", cut.Find("[data-testid=empty-state]").TextContent.Trim()), Timeout);
    }
}
