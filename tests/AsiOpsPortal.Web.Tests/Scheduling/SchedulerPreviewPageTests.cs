using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Scheduling;
using AsiOpsPortal.Web.Scheduling.Pages;
using AsiOpsPortal.Web.Tests.Support;
using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Scheduling;

public sealed class SchedulerPreviewPageTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(SchedulerPreviewPageTests), "dave", Roles.Viewer);
        await _portal.SeedAsync(
            new SeedCluster("test-hz-01", "test", "cn-hangzhou", Tier: 3),
            new SeedCluster("test-hz-02", "test", "cn-hangzhou", Tier: 3, Nodes: 40),
            new SeedCluster("staging-sh-01", "staging", "cn-shanghai", Tier: 2),
            new SeedCluster("prod-bj-01", "prod", "cn-beijing", Tier: 0),
            new SeedCluster("prod-us-01", "prod", "us-west", Tier: 1));
        var policy = SchedulerPolicyDocument.Default("balanced");
        policy.Filters.Regions = ["cn-hangzhou", "cn-shanghai", "cn-beijing"];
        policy.Shaping.CanarySize = 1;
        await _portal.Scheduler.CreateAsync(policy, People.Carol);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private IRenderedComponent<SchedulerPreviewPage> Render(string name = "balanced")
    {
        var cut = _portal.Render<SchedulerPreviewPage>(p => p.Add(x => x.Name, name));
        return cut;
    }

    [Fact]
    public void PreviewPage_ShowsTheWavesInOrder_WithTheExcludedAndWhy()
    {
        var cut = Render();

        cut.WaitForAssertion(() => Assert.Contains("4 clusters in 4 waves; 1 excluded", cut.Find("[data-testid=plan-summary]").TextContent), Timeout);
        Assert.Equal(["plan-wave-canary", "plan-wave-test-1", "plan-wave-staging-1", "plan-wave-prod-tier0-1"],
            cut.FindAll("[data-testid^=plan-wave-]").Select(w => w.GetAttribute("data-testid")));
        // The smaller of the two test clusters is the lower risk, so it is the canary.
        Assert.Contains("test-hz-01", cut.Find("[data-testid=plan-wave-canary]").TextContent);
        Assert.Contains("region 'us-west' is not among the policy's regions", cut.Find("[data-testid=excluded-prod-us-01]").TextContent);
        Assert.Contains("No earlier preview", cut.Find("[data-testid=plan-first]").TextContent);
        Assert.NotEmpty(cut.FindAll("[data-testid=chart-region] svg"));
        Assert.Contains("cn-beijing 1 · cn-hangzhou 2 · cn-shanghai 1", cut.Find("[data-testid=chart-region]").TextContent);
        Assert.Contains("prod 1 · staging 1 · test 2", cut.Find("[data-testid=chart-environment]").TextContent);
    }

    [Fact]
    public void PreviewPage_ExpandsAClustersScoreBreakdown_WhenScoresIsClicked()
    {
        var cut = Render();
        cut.WaitForAssertion(() => cut.Find("[data-testid=scores-test-hz-02]"), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=breakdown-test-hz-02]"));

        // The page may still be settling its first live render; click again only while the breakdown has not opened.
        cut.WaitForAssertion(() =>
        {
            if (cut.FindAll("[data-testid=breakdown-test-hz-02]").Count == 0) cut.Find("[data-testid=scores-test-hz-02]").Click();
            Assert.NotEmpty(cut.FindAll("[data-testid=breakdown-test-hz-02]"));
        }, Timeout);

        var tier = cut.Find("[data-testid=score-test-hz-02-tier]").TextContent;
        Assert.Contains("less critical tiers first", tier);
        Assert.Contains("tier 3", tier);
        Assert.Contains("100", tier);
        Assert.Contains("40 nodes", cut.Find("[data-testid=score-test-hz-02-size]").TextContent);
        Assert.Contains("Weighted total", cut.Find("[data-testid=breakdown-test-hz-02]").TextContent);
    }

    [Fact]
    public async Task PreviewPage_ShowsWhatChanged_WhenReplannedAfterTheFleetChanged()
    {
        var cut = Render();
        cut.WaitForAssertion(() => cut.Find("[data-testid=plan-first]"), Timeout);

        await _portal.SeedAsync(new SeedCluster("staging-sh-02", "staging", "cn-shanghai", Tier: 2));
        cut.Find("[data-testid=replan]").Click();

        cut.WaitForAssertion(() => Assert.Contains("1 added", cut.Find("[data-testid=plan-diff]").TextContent), Timeout);
        Assert.Contains("+staging-sh-02", cut.Find("[data-testid=plan-diff]").TextContent);
    }

    [Fact]
    public void PreviewPage_SaysSo_WhenThereIsNoSuchPolicy()
    {
        var cut = Render("no-such-policy");

        cut.WaitForAssertion(() => Assert.Contains("No scheduler policy named 'no-such-policy'.", cut.Find("[data-testid=preview-error]").TextContent), Timeout);
    }
}
