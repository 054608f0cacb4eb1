using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Scheduling;
using AsiOpsPortal.Web.Infrastructure;
using AsiOpsPortal.Web.Pipelines;
using AsiOpsPortal.Web.Pipelines.Pages;
using AsiOpsPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Pipelines;

public sealed class PipelineEditorTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(PipelineEditorTests));
        await _portal.SeedAsync(
            new SeedCluster("test-hz-01", "test", "cn-hangzhou", Tier: 3),
            new SeedCluster("test-hz-02", "test", "cn-hangzhou", Tier: 3),
            new SeedCluster("test-sh-01", "test", "cn-shanghai", Tier: 3),
            new SeedCluster("staging-sh-01", "staging", "cn-shanghai", Tier: 2),
            new SeedCluster("prod-bj-01", "prod", "cn-beijing", Tier: 0));
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private IRenderedComponent<PipelineEditor> RenderEditor(string? name = null)
    {
        var cut = _portal.Render<PipelineEditor>(p => p.Add(x => x.Name, name));
        cut.WaitForAssertion(() => Assert.True(cut.FindAll(".mud-alert").Count > 0 || cut.FindAll("[data-testid=wave-1]").Count > 0), Timeout);
        return cut;
    }

    private Task<PipelineView> SaveExistingAsync(params WaveSpec[] waves) => _portal.Pipelines.CreateAsync(
        new PipelineDocument("standard", "Tests first.", "environment in (test,staging)", [.. waves]), People.Carol);

    /// <summary>The clusters a zone shows, top to bottom.</summary>
    private static List<string> ClustersIn(IRenderedComponent<PipelineEditor> cut, string zone) =>
        cut.FindAll($"[data-testid={zone}] [data-testid^=cluster-]").Select(e => e.GetAttribute("data-testid")!["cluster-".Length..]).ToList();

    /// <summary>Opens a cluster's "move" menu and picks <paramref name="item"/>, as a keyboard user would.</summary>
    private void MoveWithMenu(IRenderedComponent<PipelineEditor> cut, string cluster, string item)
    {
        cut.OnRenderer(() => cut.Find($"[data-testid=move-{cluster}] button").Click());
        _portal.Popovers.WaitForAssertion(() => Assert.Contains(_portal.Popovers.FindAll(".mud-popover-open .mud-menu-item"), i => i.TextContent.Trim() == item), Timeout);
        _portal.Popovers.ClickText(".mud-popover-open .mud-menu-item", item);
    }

    private static IReadOnlyList<string> Problems(IRenderedComponent<PipelineEditor> cut) =>
        cut.FindAll("[data-testid=problems] li").Select(li => li.TextContent.Trim()).ToList();

    private static bool SaveDisabled(IRenderedComponent<PipelineEditor> cut) => cut.Find("[data-testid=save]").HasAttribute("disabled");

    [Fact]
    public void PipelineEditor_ListsAClusterInAWave_WhenMovedThroughItsMenu()
    {
        var cut = RenderEditor();
        Assert.Equal(["prod-bj-01", "staging-sh-01", "test-hz-01", "test-hz-02", "test-sh-01"], ClustersIn(cut, "zone-fleet"));

        MoveWithMenu(cut, "test-sh-01", "Move to wave canary");
        MoveWithMenu(cut, "test-hz-02", "Move to wave canary");

        cut.WaitForAssertion(() => Assert.Equal(["test-sh-01", "test-hz-02"], ClustersIn(cut, "zone-1")), Timeout);
        Assert.Equal(["prod-bj-01", "staging-sh-01", "test-hz-01"], ClustersIn(cut, "zone-fleet"));
    }

    [Fact]
    public void PipelineEditor_ReordersAWave_WhenTheArrowsAreUsed()
    {
        var cut = RenderEditor();
        MoveWithMenu(cut, "test-sh-01", "Move to wave canary");
        MoveWithMenu(cut, "test-hz-02", "Move to wave canary");
        cut.WaitForAssertion(() => Assert.Equal(["test-sh-01", "test-hz-02"], ClustersIn(cut, "zone-1")), Timeout);

        cut.Click("[aria-label='Move test-hz-02 earlier']");

        cut.WaitForAssertion(() => Assert.Equal(["test-hz-02", "test-sh-01"], ClustersIn(cut, "zone-1")), Timeout);
        Assert.True(cut.Find("[aria-label='Move test-hz-02 earlier']").HasAttribute("disabled"));
    }

    [Fact]
    public async Task PipelineEditor_MovesAndReordersClusters_WhenTheyAreDraggedAndDropped()
    {
        await SaveExistingAsync(new WaveSpec { Name = "canary", Clusters = ["test-hz-01", "test-hz-02"] }, new WaveSpec { Name = "rest" });
        var cut = RenderEditor("standard");
        var container = cut.FindComponent<MudDropContainer<ClusterCard>>();
        var zones = cut.FindComponents<MudDropZone<ClusterCard>>().Select(z => z.Instance.Identifier).ToList();
        ClusterCard Card(string name) => container.Instance.Items.Single(c => c.Name == name);
        Task Drop(string cluster, string zone, int index) =>
            cut.InvokeAsync(() => container.Instance.ItemDropped.InvokeAsync(new MudItemDropInfo<ClusterCard>(Card(cluster), zone, index)));

        // What MudDropContainer reports when a person drags from the pool to the top of the first wave, then within it.
        await Drop("test-sh-01", zones[1], 0);
        cut.WaitForAssertion(() => Assert.Equal(["test-sh-01", "test-hz-01", "test-hz-02"], ClustersIn(cut, "zone-1")), Timeout);
        await Drop("test-sh-01", zones[1], 2);
        cut.WaitForAssertion(() => Assert.Equal(["test-hz-01", "test-hz-02", "test-sh-01"], ClustersIn(cut, "zone-1")), Timeout);
        await Drop("test-hz-01", zones[2], 0);

        cut.WaitForAssertion(() => Assert.Equal(["test-hz-02", "test-sh-01"], ClustersIn(cut, "zone-1")), Timeout);
        Assert.Equal(["test-hz-01"], ClustersIn(cut, "zone-2"));
        Assert.Contains("unsaved changes", cut.Find("[data-testid=unsaved]").TextContent);
    }

    [Fact]
    public void PipelineEditor_RejectsAClusterInTwoWavesAndWarnsAboutUnplannedOnes_WhileEditing()
    {
        var cut = RenderEditor();
        cut.Type("[data-testid=field-name]", "standard");
        cut.Type("[data-testid=field-scope]", "environment in (test,staging)");
        MoveWithMenu(cut, "test-hz-01", "Move to wave canary");
        cut.Click("[data-testid=add-wave]");
        cut.WaitForElement("[data-testid=wave-2]", Timeout);

        cut.Type("[data-testid=wave-2] [data-testid=wave-selector]", "environment=test");

        cut.WaitForAssertion(() => Assert.Equal(
            ["Cluster 'test-hz-01' is in two waves: 'canary' (listed) and 'wave-2' (by selector); a cluster may be in only one wave."], Problems(cut)), Timeout);
        Assert.True(SaveDisabled(cut));
        Assert.Contains("1 cluster in the scope is in no wave", cut.Find("[data-testid=unplanned]").TextContent);
        Assert.Equal(["staging-sh-01"], cut.FindAll("[data-testid=unplanned] .mud-chip").Select(c => c.TextContent.Trim()));

        cut.Type("[data-testid=wave-2] [data-testid=wave-selector]", "environment=staging");

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=problems]")), Timeout);
        Assert.False(SaveDisabled(cut));
        Assert.Equal(["test-hz-02", "test-sh-01"], cut.FindAll("[data-testid=unplanned] .mud-chip").Select(c => c.TextContent.Trim()));
        Assert.Equal(["staging-sh-01"], cut.FindAll("[data-testid=wave-2] [data-testid=matched] .mud-chip").Select(c => c.TextContent.Trim()));
    }

    [Fact]
    public async Task PipelineEditor_SavesTheDynamicStage_WhenAPolicyIsChosenForTheRest()
    {
        await _portal.Scheduler.CreateAsync(SchedulerPolicyDocument.Default("balanced"), People.Carol);
        await SaveExistingAsync(new WaveSpec { Name = "canary", Clusters = ["test-hz-01"] });
        var cut = RenderEditor("standard");
        Assert.Contains("none", cut.Find("[data-testid=then-stage] input").GetAttribute("value"));

        _portal.Choose(cut, "Scheduler policy", "balanced");

        cut.WaitForAssertion(() => Assert.Contains("policy balanced plans them after the waves", cut.Markup), Timeout);
        // A policy takes the clusters no wave holds, so they are no longer called unreached.
        Assert.Empty(cut.FindAll("[data-testid=unplanned]"));
        Assert.Contains("policy balanced · prod-1", cut.Find("[data-testid=then-stage]").TextContent);
        cut.Click("[data-testid=save]");
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=unsaved]")), Timeout);
        Assert.Equal(new DynamicStage { SchedulerPolicy = "balanced" }, (await _portal.Pipelines.GetAsync("standard"))!.Document.Then);
        var updated = Assert.Single(await _portal.QueryAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.PipelineUpdated)));
        Assert.Equal("then none → policy 'balanced'", updated.Details);
    }

    [Fact]
    public async Task PipelineEditor_RemovesTheDynamicStage_WhenNoneIsChosen()
    {
        await _portal.Scheduler.CreateAsync(SchedulerPolicyDocument.Default("balanced"), People.Carol);
        await _portal.Pipelines.CreateAsync(new PipelineDocument("standard", "", null, [new WaveSpec { Name = "canary", Clusters = ["test-hz-01"] }],
            new DynamicStage { SchedulerPolicy = "balanced" }), People.Carol);
        var cut = RenderEditor("standard");
        Assert.Equal("balanced", cut.Find("[data-testid=then-stage] input").GetAttribute("value"));

        _portal.Choose(cut, "Scheduler policy", "none: the waves above are the whole pipeline");
        cut.WaitForAssertion(() => Assert.Contains("unsaved changes", cut.Find("[data-testid=unsaved]").TextContent), Timeout);
        cut.Click("[data-testid=save]");

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=unsaved]")), Timeout);
        Assert.Null((await _portal.Pipelines.GetAsync("standard"))!.Document.Then);
    }

    [Fact]
    public void PipelineEditor_SaysHowToGetAPolicy_WhenThereIsNone()
    {
        var cut = RenderEditor();

        Assert.Contains("No scheduler policies yet; an SRE adds one under Scheduler.", cut.Find("[data-testid=then-stage]").TextContent);
    }

    [Fact]
    public void PipelineEditor_ExplainsABadSelector_NextToTheField()
    {
        var cut = RenderEditor();

        cut.Type("[data-testid=wave-1] [data-testid=wave-selector]", "environment in (test");

        cut.WaitForAssertion(() => Assert.Contains("expected ')' to close the list after 'test' at position 21.",
            cut.Find("[data-testid=wave-1]").TextContent), Timeout);
        Assert.Contains("Wave 'canary' selector: expected ')'", string.Join("\n", Problems(cut)));
    }

    [Fact]
    public async Task PipelineEditor_SavesANewPipelineAndAuditsIt_WhenSreBuildsItWithTheKeyboard()
    {
        var cut = RenderEditor();
        cut.Type("[data-testid=field-name]", "standard");
        MoveWithMenu(cut, "test-hz-02", "Move to wave canary");
        MoveWithMenu(cut, "test-hz-01", "Move to wave canary");
        cut.Click("[data-testid=add-wave]");
        cut.WaitForElement("[data-testid=wave-2]", Timeout);
        MoveWithMenu(cut, "prod-bj-01", "Move to wave wave-2");
        cut.WaitForAssertion(() => Assert.False(SaveDisabled(cut)), Timeout);

        cut.Click("[data-testid=save]");

        cut.WaitForAssertion(() => Assert.EndsWith("/pipelines/standard", _portal.Navigation.Uri), Timeout);
        var saved = (await _portal.Pipelines.GetAsync("standard"))!;
        Assert.Equal(["canary", "wave-2"], saved.Document.Waves.Select(w => w.Name));
        Assert.Equal(["test-hz-02", "test-hz-01"], saved.Document.Waves[0].Clusters);
        Assert.True(saved.Document.Waves[0].Canary);
        Assert.Equal(["prod-bj-01"], saved.Document.Waves[1].Clusters);
        var created = Assert.Single(await _portal.QueryAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.PipelineCreated)));
        Assert.Equal(("bob", "pipeline/standard"), (created.Actor, created.Target));
        Assert.Contains("canary (2 clusters, canary)", created.Details);
    }

    [Fact]
    public async Task PipelineEditor_SavesEditsToAnExistingPipeline_AndAuditsWhatChanged()
    {
        await SaveExistingAsync(new WaveSpec { Name = "canary", Clusters = ["test-hz-01"] });
        var cut = RenderEditor("standard");

        MoveWithMenu(cut, "test-sh-01", "Move to wave canary");
        cut.Click("[data-testid=save]");

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=unsaved]")), Timeout);
        Assert.Equal(["test-hz-01", "test-sh-01"], (await _portal.Pipelines.GetAsync("standard"))!.Document.Waves[0].Clusters);
        var updated = Assert.Single(await _portal.QueryAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.PipelineUpdated)));
        Assert.Equal(("bob", "wave 'canary': clusters +test-sh-01"), (updated.Actor, updated.Details));
    }

    [Fact]
    public async Task PipelineEditor_KeepsTheEditsAndSaysWhoSaved_WhenSomeoneSavedInBetween()
    {
        await SaveExistingAsync(new WaveSpec { Name = "canary", Clusters = ["test-hz-01"] });
        var cut = RenderEditor("standard");
        MoveWithMenu(cut, "test-sh-01", "Move to wave canary");
        var theirs = (await _portal.Pipelines.GetAsync("standard"))!;
        await _portal.Pipelines.UpdateAsync("standard", theirs.Document with { Description = "Carol's version." }, theirs.Version, People.Carol);

        cut.Click("[data-testid=save]");

        cut.WaitForAssertion(() => Assert.Contains("was saved by carol", cut.Find("[data-testid=save-error]").TextContent), Timeout);
        Assert.Equal(["test-hz-01", "test-sh-01"], ClustersIn(cut, "zone-1"));
        Assert.Equal("Carol's version.", (await _portal.Pipelines.GetAsync("standard"))!.Document.Description);
    }

    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Developer)]
    public async Task PipelineEditor_ShowsThePipelineReadOnly_WhenUserIsBelowSre(string role)
    {
        await SaveExistingAsync(new WaveSpec { Name = "canary", Clusters = ["test-hz-01"], Canary = true },
            new WaveSpec { Name = "staging", Selector = "environment=staging" });
        _portal.SignIn("dave", role);

        var cut = RenderEditor("standard");

        Assert.Contains("only SREs can change it", cut.Find("[data-testid=read-only]").TextContent);
        Assert.Equal(["test-hz-01"], ClustersIn(cut, "zone-1"));
        Assert.Equal(["staging-sh-01"], cut.FindAll("[data-testid=wave-2] [data-testid=matched] .mud-chip").Select(c => c.TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=save]"));
        Assert.Empty(cut.FindAll("[data-testid=add-wave]"));
        Assert.Empty(cut.FindAll("[data-testid=import]"));
        Assert.Empty(cut.FindAll("[data-testid^=move-]"));
        Assert.Empty(cut.FindAll("[data-testid=remove-wave]"));
        var inputs = cut.FindAll("[data-testid=wave-name], [data-testid=wave-selector], [data-testid=field-scope]");
        Assert.Equal(5, inputs.Count);
        Assert.All(inputs, input => Assert.True(input.HasAttribute("readonly")));
        Assert.NotEmpty(cut.FindAll("[data-testid=export]"));
    }

    [Fact]
    public void PipelineEditor_ShowsLineNumbersAndKeepsThePastedText_WhenImportedYamlIsBroken()
    {
        var cut = RenderEditor();
        cut.Click("[data-testid=import]");
        const string yaml = "name: standard\nwaves:\n  - name: canary\n    clusters: [test-hz-01]\n    maxConcurency: 2\n";

        cut.Fill("[data-testid=import-yaml]", yaml);
        cut.Click("[data-testid=apply-import]");

        cut.WaitForAssertion(() => Assert.Contains("Line 5, column 5: waves[0].maxConcurency is not a known key; did you mean 'maxConcurrency'?",
            cut.Find("[data-testid=import-errors]").TextContent), Timeout);
        Assert.Equal(yaml, cut.Find("[data-testid=import-yaml]").GetAttribute("value") ?? cut.Find("[data-testid=import-yaml]").TextContent);
        Assert.Equal("canary", cut.Find("[data-testid=wave-1] [data-testid=wave-name]").GetAttribute("value"));
        Assert.Empty(ClustersIn(cut, "zone-1"));
    }

    [Fact]
    public void PipelineEditor_ReplacesTheDraft_WhenImportedYamlIsValid()
    {
        var cut = RenderEditor();
        cut.Click("[data-testid=import]");

        cut.Fill("[data-testid=import-yaml]", "name: imported\nwaves:\n  - name: first\n    clusters: [test-sh-01, test-hz-01]\n  - name: second\n    selector: environment=prod\n");
        cut.Click("[data-testid=apply-import]");

        cut.WaitForAssertion(() => Assert.Equal(["test-sh-01", "test-hz-01"], ClustersIn(cut, "zone-1")), Timeout);
        Assert.Equal("imported", cut.Find("[data-testid=field-name]").GetAttribute("value"));
        Assert.Equal(["prod-bj-01"], cut.FindAll("[data-testid=wave-2] [data-testid=matched] .mud-chip").Select(c => c.TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=import-errors]"));
    }

    [Fact]
    public async Task PipelineEditor_ExportsWhatIsOnScreen_AsYaml()
    {
        await SaveExistingAsync(new WaveSpec { Name = "canary", Clusters = ["test-hz-01"] });
        var cut = RenderEditor("standard");
        MoveWithMenu(cut, "test-sh-01", "Move to wave canary");

        cut.Click("[data-testid=export]");

        var yaml = cut.WaitForElement("[data-testid=export-yaml]", Timeout).TextContent;
        var exported = PipelineYaml.Import(yaml);
        Assert.Equal("standard", exported.Name);
        Assert.Equal(["test-hz-01", "test-sh-01"], exported.Waves[0].Clusters);
    }

    [Fact]
    public void PipelineEditor_SaysNotFound_WhenNoPipelineHasThatName()
    {
        var cut = RenderEditor("nowhere");

        Assert.Contains("No pipeline named 'nowhere'.", cut.Find(".mud-alert").TextContent);
    }
}
