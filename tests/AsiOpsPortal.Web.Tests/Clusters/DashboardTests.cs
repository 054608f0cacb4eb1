using AngleSharp.Dom;
using AsiOpsPortal.Kubernetes;
using AsiOpsPortal.Web.Clusters.Pages;
using AsiOpsPortal.Web.Tests.Support;
using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Clusters;

public sealed class DashboardTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync() => _portal = await PortalTestContext.CreateAsync(nameof(DashboardTests));

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    /// <summary>Five clusters over three environments: two healthy, two with NotReady nodes, one unreachable.</summary>
    private Task SeedFleetAsync() => _portal.SeedAsync(
        new SeedCluster("prod-hz-01", "prod", "cn-hangzhou", Tier: 0, Nodes: 5),
        new SeedCluster("prod-sh-01", "prod", "cn-shanghai", Tier: 0, Nodes: 4, NotReady: 3),
        new SeedCluster("staging-hz-01", "staging", "cn-hangzhou", Tier: 2, Nodes: 20, NotReady: 1),
        new SeedCluster("test-bj-01", "test", "cn-beijing", Tier: 3, Nodes: 3, Unreachable: "test-bj-01: connection refused"),
        new SeedCluster("test-hz-01", "test", "cn-hangzhou", Tier: 3, Nodes: 2));

    private IRenderedComponent<Dashboard> RenderLoaded()
    {
        var cut = _portal.Render<Dashboard>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=stat-clusters], [data-testid=empty-fleet]")), Timeout);
        return cut;
    }

    private static string Stat(IRenderedComponent<Dashboard> cut, string name) =>
        cut.Find($"[data-testid=stat-{name}] h5").TextContent.Trim();

    private static IElement Slice(IRenderedComponent<Dashboard> cut, string key) =>
        cut.FindAll("[data-testid=slice]").Single(s => s.QuerySelector("a")!.TextContent.Trim() == key);

    [Fact]
    public async Task Dashboard_SaysNoNodesAreKnown_ForASliceWhoseClustersNeverSynced()
    {
        await _portal.SeedAsync(
            new SeedCluster("prod-hz-01", "prod", "cn-hangzhou", Tier: 0, Nodes: 5),
            new SeedCluster("test-bj-01", "test", "cn-beijing", Tier: 3, Nodes: 3, Unreachable: "test-bj-01: connection refused"));

        var cut = RenderLoaded();

        cut.WaitForAssertion(() => Assert.Equal("test: no nodes known yet",
            Slice(cut, "test").QuerySelector("[aria-label]")!.GetAttribute("aria-label")), Timeout);
        Assert.Equal("prod: 100.0% nodes ready", Slice(cut, "prod").QuerySelector("[aria-label]")!.GetAttribute("aria-label"));
    }

    [Fact]
    public async Task Dashboard_ShowsFleetCounts_WhenClustersAreRegistered()
    {
        await SeedFleetAsync();

        var cut = RenderLoaded();

        Assert.Equal("5", Stat(cut, "clusters"));
        Assert.Equal("1", Stat(cut, "unreachable"));
        Assert.Equal("2 clusters", Stat(cut, "degraded"));
        // The unreachable cluster was never reached, so it contributes no nodes.
        Assert.Equal("27 / 31", Stat(cut, "nodes"));
    }

    [Fact]
    public async Task Dashboard_ListsTroubledClustersUnreachableFirst_WhenSomeAreUnreachableOrDegraded()
    {
        await SeedFleetAsync();

        var cut = RenderLoaded();

        var rows = cut.FindAll("[data-testid=trouble-list] tbody tr");
        Assert.Equal(["test-bj-01", "prod-sh-01", "staging-hz-01"], rows.Select(r => r.QuerySelector("td a")!.TextContent.Trim()));
        Assert.Equal(
            ["Unreachable: test-bj-01: connection refused", "3 of 4 nodes NotReady", "1 of 20 nodes NotReady"],
            rows.Select(r => r.Children[2].TextContent.Trim()));
        Assert.Equal(["Unreachable", "Degraded", "Degraded"], rows.Select(r => r.QuerySelector("[data-testid=status-chip]")!.TextContent.Trim()));
        Assert.DoesNotContain("prod-hz-01", cut.Find("[data-testid=trouble-list]").TextContent);
    }

    [Fact]
    public async Task Dashboard_LinksEachTroubledClusterToItsPage_WhenListed()
    {
        await SeedFleetAsync();

        var cut = RenderLoaded();

        Assert.Equal(
            ["clusters/test-bj-01", "clusters/prod-sh-01", "clusters/staging-hz-01"],
            cut.FindAll("[data-testid=trouble-list] tbody tr td a").Select(a => a.GetAttribute("href")));
    }

    [Fact]
    public async Task Dashboard_SlicesByEnvironmentWithReadinessBars_WhenClustersSpanEnvironments()
    {
        await SeedFleetAsync();

        var cut = RenderLoaded();

        var environments = cut.FindAll("[data-testid=slice]").Take(3).Select(s => s.QuerySelector("a")!.TextContent.Trim());
        Assert.Equal(["test", "staging", "prod"], environments);

        var prod = Slice(cut, "prod");
        Assert.Equal("2 clusters, 1 in trouble · 6/9 nodes ready", Normalize(prod.QuerySelector("p")!.TextContent));
        Assert.Equal("clusters?environment=prod", prod.QuerySelector("a")!.GetAttribute("href"));
        var prodBar = prod.QuerySelector("[role=progressbar]")!;
        Assert.Equal("prod: 66.7% nodes ready", prodBar.GetAttribute("aria-label"));
        Assert.Contains("mud-progress-linear-color-error", prodBar.ClassList);

        var staging = Slice(cut, "staging");
        Assert.Equal("1 clusters, 1 in trouble · 19/20 nodes ready", Normalize(staging.QuerySelector("p")!.TextContent));
        Assert.Contains("mud-progress-linear-color-warning", staging.QuerySelector("[role=progressbar]")!.ClassList);

        var test = Slice(cut, "test");
        Assert.Equal("2 clusters, 1 in trouble · 2/2 nodes ready", Normalize(test.QuerySelector("p")!.TextContent));
    }

    [Fact]
    public async Task Dashboard_ShowsGreenBarWithoutTrouble_WhenEnvironmentIsHealthy()
    {
        await _portal.SeedAsync(
            new SeedCluster("prod-hz-01", "prod", "cn-hangzhou", Nodes: 3),
            new SeedCluster("prod-hz-02", "prod", "cn-hangzhou", Nodes: 2));

        var cut = RenderLoaded();

        var prod = Slice(cut, "prod");
        Assert.Equal("2 clusters · 5/5 nodes ready", Normalize(prod.QuerySelector("p")!.TextContent));
        Assert.Contains("mud-progress-linear-color-success", prod.QuerySelector("[role=progressbar]")!.ClassList);
        Assert.Equal("Every cluster is reachable, synced and has all nodes ready.", cut.Find("[data-testid=no-trouble]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=trouble-list]"));
    }

    [Fact]
    public void Dashboard_InvitesRegistration_WhenNoClusterIsRegistered()
    {
        var cut = RenderLoaded();

        var empty = cut.Find("[data-testid=empty-fleet]");
        Assert.Contains("No clusters are registered yet", empty.TextContent);
        Assert.Equal("clusters/register", empty.QuerySelector("a")!.GetAttribute("href"));
        Assert.Empty(cut.FindAll("[data-testid=stat-clusters]"));
        Assert.Empty(cut.FindAll("[data-testid=cluster-table]"));
    }

    [Fact]
    public async Task Dashboard_ListsAllClustersTroubleFirst_WhenClustersAreRegistered()
    {
        await SeedFleetAsync();

        var cut = RenderLoaded();

        cut.WaitForAssertion(() => Assert.Equal(
            ["test-bj-01", "prod-sh-01", "staging-hz-01", "prod-hz-01", "test-hz-01"], cut.ClusterNames()), Timeout);
    }

    [Fact]
    public async Task Dashboard_ShowsNewTrouble_WhenASyncFinishesWhileItIsOpen()
    {
        await _portal.SeedAsync(new SeedCluster("prod-hz-01", "prod", "cn-hangzhou", Nodes: 3));
        await using var live = await _portal.StartLiveUpdatesAsync();
        var cut = RenderLoaded();
        Assert.Equal("0", Stat(cut, "unreachable"));

        _portal.Fleet.Failing("prod-hz-01", ClusterFailure.Timeout, "prod-hz-01: timed out after 10 s");
        await _portal.Inventory.SyncAllAsync(CancellationToken.None);

        cut.WaitForAssertion(() => Assert.Equal("1", Stat(cut, "unreachable")), Timeout);
        Assert.Contains("Unreachable: prod-hz-01: timed out after 10 s", cut.Find("[data-testid=trouble-list]").TextContent);
    }

    private static string Normalize(string text) => string.Join(" ", text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
