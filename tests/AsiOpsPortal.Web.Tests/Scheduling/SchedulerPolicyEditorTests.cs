using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Scheduling;
using AsiOpsPortal.Web.Scheduling.Pages;
using AsiOpsPortal.Web.Tests.Support;
using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Scheduling;

public sealed class SchedulerPolicyEditorTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(SchedulerPolicyEditorTests));
        await _portal.SeedAsync(new SeedCluster("test-hz-01", "test", "cn-hangzhou", Tier: 3), new SeedCluster("prod-hz-01", "prod", "cn-hangzhou", Tier: 1));
        await _portal.Scheduler.CreateAsync(SchedulerPolicyDocument.Default("balanced"), People.Carol);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private IRenderedComponent<SchedulerPolicyPage> Render()
    {
        var cut = _portal.Render<SchedulerPolicyPage>(p => p.Add(x => x.Name, "balanced"));
        cut.WaitForAssertion(() => cut.Find("[data-testid=weights]"), Timeout);
        return cut;
    }

    [Fact]
    public void Editor_ShowsProblemsAsYouType_AndKeepsSaveDisabled()
    {
        var cut = Render();

        cut.Find("input[data-testid=field-selector]").Input("tier in (");
        cut.Find("input[data-testid=field-order]").Input("test, prod, test");

        cut.WaitForAssertion(() => Assert.Contains("Environment 'test' appears 2 times in the environment order.", cut.Find("[data-testid=problems]").TextContent), Timeout);
        cut.WaitForAssertion(() => Assert.Contains("Selector: ", cut.Find("[data-testid=problems]").TextContent), Timeout);
        Assert.True(cut.Find("[data-testid=save]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task Editor_SavesAChangedWeight_AndPreviewsWhatIsOnScreen()
    {
        var cut = Render();

        cut.Find("input[data-testid=weight-tier]").Change("9");
        cut.Find("[data-testid=preview]").Click();
        cut.WaitForAssertion(() => Assert.Contains("2 clusters in", cut.Find("[data-testid=plan-summary]").TextContent), Timeout);
        cut.Find("[data-testid=save]").Click();

        await cut.WaitForAssertionAsync(async () => Assert.Equal(9, (await _portal.Scheduler.GetAsync("balanced"))!.Document.Weights[ScorePlugins.Tier]), Timeout);
    }

    [Fact]
    public void Editor_IsReadOnly_ForAViewer()
    {
        _portal.SignIn("dave", Roles.Viewer);

        var cut = Render();

        Assert.Contains("only SREs can change it", cut.Find("[data-testid=read-only]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=save]"));
    }
}
