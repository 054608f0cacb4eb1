using AsiOpsPortal.Web.Clusters.Pages;
using AsiOpsPortal.Web.Tests.Support;

namespace AsiOpsPortal.Web.Tests.Clusters;

public sealed class ClusterTableTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(ClusterTableTests));
        await _portal.SeedAsync(Fleets.ThirtyAcrossEnvironments);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private IRenderedComponent<ClusterTable> RenderTable()
    {
        var cut = _portal.Render<ClusterTable>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.ClusterNames()), Timeout);
        return cut;
    }

    [Fact]
    public void ClusterTable_ShowsFirstPageOfTwentyFive_WhenThereAreThirtyClusters()
    {
        var cut = RenderTable();

        Assert.Equal(25, cut.ClusterNames().Count);
        Assert.Equal("1-25 of 30", cut.PagerCaption());
        Assert.False(cut.Find("button[aria-label='Next page']").HasAttribute("disabled"));
    }

    [Fact]
    public void ClusterTable_ShowsRemainingClusters_WhenMovingToTheNextPage()
    {
        var cut = RenderTable();

        cut.Click("button[aria-label='Next page']");

        // The pager's caption moves at once; the rows follow when the server answers.
        cut.WaitForAssertion(() => Assert.Equal(["test-hz-05", "test-hz-06", "test-hz-07", "test-hz-08", "test-hz-10"], cut.ClusterNames()), Timeout);
        Assert.Equal("26-30 of 30", cut.PagerCaption());
        Assert.True(cut.Find("button[aria-label='Next page']").HasAttribute("disabled"));
    }

    [Fact]
    public void ClusterTable_PutsTroubleFirst_WhenSortedByDefault()
    {
        var cut = RenderTable();

        Assert.Equal(["prod-bj-08", "test-hz-09", "prod-bj-10", "staging-sh-07", "prod-bj-01"], cut.ClusterNames().Take(5));
        var rows = cut.FindAll("tbody tr.mud-table-row");
        Assert.All(rows.Take(4), r => Assert.Contains("trouble-row", r.ClassList));
        Assert.All(rows.Skip(4), r => Assert.DoesNotContain("trouble-row", r.ClassList));
        Assert.Contains("Unreachable: prod-bj-08: TLS handshake failed", rows[0].TextContent);
        Assert.Contains("3 of 4 nodes NotReady", rows[2].TextContent);
    }

    [Fact]
    public void ClusterTable_SortsByName_WhenNameHeaderIsClicked()
    {
        var cut = RenderTable();

        cut.ClickText(".mud-table-sort-label", "Name");

        cut.WaitForAssertion(() => Assert.Equal(["prod-bj-01", "prod-bj-02", "prod-bj-03"], cut.ClusterNames().Take(3)), Timeout);
    }

    [Fact]
    public void ClusterTable_NarrowsRows_WhenSearching()
    {
        var cut = RenderTable();

        cut.Type("[data-testid=cluster-search]", "bj-0");

        cut.WaitForAssertion(() => Assert.Equal("1-9 of 9", cut.PagerCaption()), Timeout);
        var names = cut.ClusterNames();
        Assert.Equal(9, names.Count);
        Assert.All(names, n => Assert.StartsWith("prod-bj-0", n));
        Assert.Equal("prod-bj-08", names[0]);
    }

    [Fact]
    public void ClusterTable_SaysNothingMatches_WhenSearchFindsNoCluster()
    {
        var cut = RenderTable();

        cut.Type("[data-testid=cluster-search]", "eu-west");

        cut.WaitForAssertion(() => Assert.Contains("No cluster matches these filters.", cut.Markup), Timeout);
        Assert.Empty(cut.ClusterNames());
    }

    [Fact]
    public void ClusterTable_ShowsOnlyThatEnvironment_WhenEnvironmentIsChosen()
    {
        var cut = RenderTable();

        _portal.Choose(cut, "Environment", "staging");

        cut.WaitForAssertion(() => Assert.Equal("1-10 of 10", cut.PagerCaption()), Timeout);
        var names = cut.ClusterNames();
        Assert.All(names, n => Assert.StartsWith("staging-", n));
        Assert.Equal("staging-sh-07", names[0]);
    }

    [Fact]
    public void ClusterTable_ShowsOnlyUnreachable_WhenStatusIsChosen()
    {
        var cut = RenderTable();

        _portal.Choose(cut, "Status", "Unreachable");

        cut.WaitForAssertion(() => Assert.Equal(["prod-bj-08", "test-hz-09"], cut.ClusterNames()), Timeout);
    }
}
