using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Tests.Shared;
using AsiOpsPortal.Web.Catalog;
using AsiOpsPortal.Web.Catalog.Pages;
using AsiOpsPortal.Web.Tests.Support;

namespace AsiOpsPortal.Web.Tests.Catalog;

public sealed class VersionDiffTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(VersionDiffTests), "dave", Roles.Viewer);
        await _portal.Catalog.CreateAsync(new ComponentRegistration("web-frontend", "web", "", null), People.Alice);
        await _portal.Catalog.AddVersionAsync("web-frontend", new VersionUpload("1.26.2", SampleManifests.Web("nginx:1.26.2", replicas: 3)), People.Alice);
        await _portal.Catalog.AddVersionAsync("web-frontend", new VersionUpload("1.27.3", SampleManifests.Web("nginx:1.27.3", replicas: 3)), People.Alice);
        await _portal.Catalog.AddVersionAsync("web-frontend", new VersionUpload("1.27.4", SampleManifests.Web("nginx:1.27.3", replicas: 5)), People.Alice);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private IRenderedComponent<VersionDiff> RenderDiff(string address, string name = "web-frontend")
    {
        _portal.Navigation.NavigateTo(address);
        var cut = _portal.Render<VersionDiff>(p => p.Add(x => x.Name, name));
        cut.WaitForAssertion(() => Assert.True(cut.FindAll("[data-testid=diff-summary]").Count > 0 || cut.FindAll("[data-testid=diff-problem]").Count > 0), Timeout);
        return cut;
    }

    private static IReadOnlyList<string> LinesOf(IRenderedComponent<VersionDiff> cut, string kind) =>
        cut.FindAll($"tr.diff-{kind}").Select(r => r.Children[2].TextContent + r.Children[3].TextContent.Trim()).ToList();

    [Fact]
    public void VersionDiff_ShowsRemovedAndAddedLinesWithTheirNumbers_WhenTwoVersionsAreChosen()
    {
        var cut = RenderDiff("components/web-frontend/diff?from=1.26.2&to=1.27.4");

        Assert.Equal("+2 \u22122 across Deployment web", cut.Find("[data-testid=diff-summary]").TextContent.Trim());
        Assert.Equal(["\u2212replicas: 3", "\u2212image: nginx:1.26.2"], LinesOf(cut, "removed"));
        Assert.Equal(["+replicas: 5", "+image: nginx:1.27.3"], LinesOf(cut, "added"));
        var firstRemoved = cut.Find("tr.diff-removed");
        Assert.Equal(("20", ""), (firstRemoved.Children[0].TextContent, firstRemoved.Children[1].TextContent));
        Assert.Equal("@@ -17,9 +17,9 @@", cut.Find("tr.diff-hunk").TextContent.Trim());
        Assert.Contains("mono", cut.Find("[data-testid=diff]").ClassList);
    }

    [Fact]
    public void VersionDiff_ComparesTheLatestWithTheVersionBefore_WhenNoVersionsAreChosen()
    {
        var cut = RenderDiff("components/web-frontend/diff");

        Assert.Equal("1.27.3", cut.Find("[data-testid=pick-from]").TextContent.Trim());
        Assert.Equal("1.27.4", cut.Find("[data-testid=pick-to]").TextContent.Trim());
        Assert.Equal(["+replicas: 5"], LinesOf(cut, "added"));
    }

    [Fact]
    public void VersionDiff_ShowsTheNewComparison_WhenAnotherFromVersionIsPicked()
    {
        var cut = RenderDiff("components/web-frontend/diff?from=1.27.3&to=1.27.4");

        _portal.Choose(cut, "From", "1.26.2");

        cut.WaitForAssertion(() => Assert.Equal(["+replicas: 5", "+image: nginx:1.27.3"], LinesOf(cut, "added")), Timeout);
        Assert.EndsWith("components/web-frontend/diff?from=1.26.2&to=1.27.4", _portal.Navigation.Uri);
    }

    [Fact]
    public void VersionDiff_SaysNoChanges_WhenAVersionIsComparedWithItself()
    {
        var cut = RenderDiff("components/web-frontend/diff?from=1.27.3&to=1.27.3");

        Assert.Equal("No changes.", cut.Find("[data-testid=diff-summary]").TextContent.Trim());
        Assert.Empty(cut.FindAll("tr.diff-line"));
    }

    [Fact]
    public void VersionDiff_NamesTheMissingVersion_WhenTheAddressAsksForOneThatDoesNotExist()
    {
        var cut = RenderDiff("components/web-frontend/diff?from=0.9.0&to=1.27.3");

        Assert.Equal("Component 'web-frontend' has no version '0.9.0'.", cut.Find("[data-testid=diff-problem]").TextContent.Trim());
    }

    [Fact]
    public async Task VersionDiff_SaysThereIsNothingToCompare_WhenTheComponentHasOneVersion()
    {
        await _portal.Catalog.CreateAsync(new ComponentRegistration("node-agent", "kube-system", "", null), People.Alice);
        await _portal.Catalog.AddVersionAsync("node-agent", new VersionUpload("1.8.1", SampleManifests.Web()), People.Alice);

        var cut = RenderDiff("components/node-agent/diff", "node-agent");

        Assert.Equal("node-agent has one version so far; there is nothing to compare yet.", cut.Find("[data-testid=diff-problem]").TextContent.Trim());
    }
}
