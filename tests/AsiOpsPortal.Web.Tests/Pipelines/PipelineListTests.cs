using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Scheduling;
using AsiOpsPortal.Web.Pipelines.Pages;
using AsiOpsPortal.Web.Tests.Support;
using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Pipelines;

public sealed class PipelineListTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(PipelineListTests));
        await _portal.SeedAsync(new SeedCluster("test-hz-01", "test", "cn-hangzhou", Tier: 3), new SeedCluster("prod-bj-01", "prod", "cn-beijing", Tier: 0));
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public void PipelineList_OffersToCreateTheFirstPipeline_WhenThereIsNoneAndUserIsSre()
    {
        var cut = _portal.Render<PipelineList>();

        cut.WaitForAssertion(() => Assert.Contains("No pipelines yet", cut.Find("[data-testid=empty]").TextContent), Timeout);
        Assert.Contains("Create the first pipeline", cut.Find("[data-testid=empty]").TextContent);
        Assert.Equal("pipelines/new", cut.Find("[data-testid=new-pipeline]").GetAttribute("href"));
    }

    [Fact]
    public void PipelineList_SaysWhoCanCreateOne_WhenThereIsNoneAndUserIsViewer()
    {
        _portal.SignIn("dave", Roles.Viewer);

        var cut = _portal.Render<PipelineList>();

        cut.WaitForAssertion(() => Assert.Contains("An SRE can create one.", cut.Find("[data-testid=empty]").TextContent), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=new-pipeline]"));
    }

    [Fact]
    public async Task PipelineList_ShowsEachPipelineWithItsWavesInOrder()
    {
        await _portal.Pipelines.CreateAsync(new PipelineDocument("standard", "Tests first.", "tier", [
            new WaveSpec { Name = "canary", Clusters = ["test-hz-01"] },
            new WaveSpec { Name = "prod", Clusters = ["prod-bj-01"] },
        ]), People.Carol);

        var cut = _portal.Render<PipelineList>();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=pipeline-table] tbody tr")), Timeout);
        var cells = cut.FindAll("[data-testid=pipeline-table] tbody tr td").Select(td => td.TextContent.Trim()).ToList();
        Assert.StartsWith("standard", cells[0]);
        Assert.Contains("Tests first.", cells[0]);
        Assert.Equal("canary → prod", cells[1]);
        Assert.Equal("2", cells[2]);
        Assert.StartsWith("carol,", cells[4]);
    }

    [Fact]
    public async Task PipelineList_EndsTheWavesWithThePolicy_WhenThePipelineHasADynamicStage()
    {
        await _portal.Scheduler.CreateAsync(SchedulerPolicyDocument.Default("balanced"), People.Carol);
        await _portal.Pipelines.CreateAsync(new PipelineDocument("standard-then-balanced", "", null, [new WaveSpec { Name = "canary", Clusters = ["test-hz-01"] }],
            new DynamicStage { SchedulerPolicy = "balanced" }), People.Carol);

        var cut = _portal.Render<PipelineList>();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=pipeline-table] tbody tr")), Timeout);
        Assert.Equal("canary → the rest by policy balanced", cut.FindAll("[data-testid=pipeline-table] tbody tr td")[1].TextContent.Trim());
    }
}
