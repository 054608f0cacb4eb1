using AngleSharp.Html.Dom;
using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Tests.Shared;
using AsiOpsPortal.Web.Catalog;
using AsiOpsPortal.Web.Catalog.Pages;
using AsiOpsPortal.Web.Tests.Support;
using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Catalog;

public sealed class ComponentPageTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(ComponentPageTests), "alice", Roles.Developer);
        await _portal.Catalog.CreateAsync(new ComponentRegistration("web-frontend", "web", "The storefront.", null), People.Alice);
        await _portal.Catalog.AddVersionAsync("web-frontend", new VersionUpload("1.26.2", SampleManifests.Web("nginx:1.26.2"), "First."), People.Alice);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private IRenderedComponent<ComponentPage> RenderPage(string name = "web-frontend")
    {
        var cut = _portal.Render<ComponentPage>(p => p.Add(x => x.Name, name));
        cut.WaitForAssertion(() => Assert.True(cut.FindAll(".mud-alert").Count > 0 || cut.FindAll("[data-testid=component-name]").Count > 0), Timeout);
        return cut;
    }

    private static string ManifestsField(IRenderedComponent<ComponentPage> cut) =>
        ((IHtmlTextAreaElement)cut.Find("textarea[data-testid=field-manifests]")).Value;

    private static IReadOnlyList<string> Versions(IRenderedComponent<ComponentPage> cut) =>
        cut.FindAll("[data-testid=version-row]").Select(r => r.Children[0].TextContent.Trim()).ToList();

    private void FillUpload(IRenderedComponent<ComponentPage> cut, string version, string manifests, string? notes = null)
    {
        cut.Fill("[data-testid=field-version]", version);
        cut.Fill("[data-testid=field-manifests]", manifests);
        if (notes is not null) cut.Fill("[data-testid=field-release-notes]", notes);
    }

    [Fact]
    public async Task ComponentPage_NamesTheDocumentAndLineAndKeepsWhatWasTyped_WhenTheManifestsAreInvalid()
    {
        var cut = RenderPage();
        FillUpload(cut, "1.27.3", SampleManifests.SecondDocumentWithoutName, "Broken on purpose.");

        cut.Click("[data-testid=submit-version]");

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=version-error]")), Timeout);
        var error = cut.Find("[data-testid=version-error]").TextContent.Trim();
        Assert.StartsWith(SampleManifests.SecondDocumentProblemPrefix, error);
        Assert.Contains("metadata.name", error);
        Assert.Equal(SampleManifests.SecondDocumentWithoutName, ManifestsField(cut));
        Assert.Equal("1.27.3", cut.Find("input[data-testid=field-version]").GetAttribute("value"));
        Assert.Equal(["1.26.2"], Versions(cut));
        Assert.Single(await _portal.QueryAsync(db => db.ComponentVersions));
    }

    [Fact]
    public async Task ComponentPage_ListsTheNewVersionFirstAndAuditsIt_WhenTheUploadIsValid()
    {
        var cut = RenderPage();
        FillUpload(cut, "1.27.3", SampleManifests.Web("nginx:1.27.3"), "nginx 1.27.");

        cut.Click("[data-testid=submit-version]");

        cut.WaitForAssertion(() => Assert.Equal(["1.27.3", "1.26.2"], Versions(cut)), Timeout);
        Assert.Equal("latest 1.27.3", cut.Find("[data-testid=latest-version]").TextContent.Trim());
        Assert.Contains("changes since 1.26.2", cut.FindAll("[data-testid=version-row]")[0].TextContent);
        Assert.Empty(cut.FindAll("[data-testid=version-error]"));
        // The upload form clears itself in its own render, which may land after the list's.
        cut.WaitForAssertion(() => Assert.Equal("", ManifestsField(cut)), Timeout);
        var added = (await _portal.QueryAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.ComponentVersionAdded))).Last();
        Assert.Equal(("alice", "component/web-frontend"), (added.Actor, added.Target));
        Assert.Contains("version=1.27.3", added.Details);
        Assert.Contains("images=nginx:1.27.3", added.Details);
    }

    [Fact]
    public void ComponentPage_SaysVersionsNeverChange_WhenTheLabelIsTaken()
    {
        var cut = RenderPage();
        FillUpload(cut, "1.26.2", SampleManifests.Web("nginx:1.27.3"));

        cut.Click("[data-testid=submit-version]");

        cut.WaitForAssertion(() => Assert.Equal(
            "Component 'web-frontend' already has a version '1.26.2'. Versions never change once added: give this one a new version label.",
            cut.Find("[data-testid=version-error]").TextContent.Trim()), Timeout);
        Assert.Equal(SampleManifests.Web("nginx:1.27.3"), ManifestsField(cut));
    }

    [Fact]
    public async Task ComponentPage_ShowsWhichVersionEachClusterRunsDriftedFirst_WhenReleasesAreRecorded()
    {
        await _portal.SeedAsync(new SeedCluster("prod-bj-01", "prod", "cn-beijing"), new SeedCluster("test-hz-01", "test", "cn-hangzhou"));
        await _portal.Catalog.AddVersionAsync("web-frontend", new VersionUpload("1.27.3", SampleManifests.Web("nginx:1.27.3")), People.Alice);
        await _portal.RecordReleaseAsync("prod-bj-01", "web-frontend", "1.26.2");
        await _portal.RecordReleaseAsync("test-hz-01", "web-frontend", "1.27.3", drift: "Deployment web/web: spec.replicas is 5, expected 3");

        var cut = RenderPage();

        // The releases load after the component's header: wait for them rather than read the first render.
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=cluster-release-row]").Count), Timeout);
        var rows = cut.FindAll("[data-testid=cluster-release-row]");
        Assert.Equal(["test-hz-01", "prod-bj-01"], rows.Select(r => r.Children[0].TextContent.Trim()));
        Assert.Equal(["test", "prod"], rows.Select(r => r.Children[1].TextContent.Trim()));
        Assert.Equal(["1.27.3", "1.26.2"], rows.Select(r => r.Children[2].TextContent.Trim()));
        Assert.Equal(["Drifted", "In sync"], rows.Select(r => r.QuerySelector("[data-testid=drift-chip]")!.TextContent.Trim()));
        Assert.Contains("spec.replicas is 5, expected 3", rows[0].TextContent);
        Assert.Equal(["1 cluster", "1 cluster"], cut.FindAll("[data-testid=version-row]").Select(r => r.Children[3].TextContent.Trim()));
    }

    [Fact]
    public void ComponentPage_SaysNoClusterRunsIt_WhenNoReleaseIsRecorded()
    {
        var cut = RenderPage();

        Assert.Equal("No cluster runs web-frontend yet. A cluster appears here when a change applies a version to it.",
            cut.Find("[data-testid=no-clusters]").TextContent.Trim());
    }

    [Fact]
    public void ComponentPage_ShowsAVersionsObjectsImagesAndManifests_WhenItsLabelIsClicked()
    {
        var cut = RenderPage();

        cut.ClickText("[data-testid=version-row] a", "1.26.2");

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=version-details]")), Timeout);
        var details = cut.Find("[data-testid=version-details]");
        Assert.Contains("Namespace web, ConfigMap web-config, Deployment web", details.TextContent);
        Assert.Contains("images nginx:1.26.2", details.TextContent);
        Assert.Equal(SampleManifests.Web("nginx:1.26.2"), details.QuerySelector("pre")!.TextContent);
    }

    [Fact]
    public void ComponentPage_HidesTheUploadForm_WhenUserIsViewer()
    {
        _portal.SignIn("dave", Roles.Viewer);

        var cut = RenderPage();

        Assert.Equal(["1.26.2"], Versions(cut));
        Assert.Empty(cut.FindAll("[data-testid=add-version]"));
    }

    [Fact]
    public void ComponentPage_SaysNotFound_WhenNoComponentHasThatName()
    {
        var cut = RenderPage("payments");

        Assert.Contains("No component named 'payments'.", cut.Find(".mud-alert").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=add-version]"));
    }
}
