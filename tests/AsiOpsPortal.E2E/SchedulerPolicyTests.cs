using AsiOpsPortal.Core.Scheduling;
using AsiOpsPortal.Web.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.E2E;

[Collection(PortalCollection.Name)]
public sealed class SchedulerPolicyTests(PortalFixture portal, ITestOutputHelper output)
{
    private SchedulerService Scheduler => portal.Portal.Services.GetRequiredService<SchedulerService>();

    private static ILocator Field(IPage page, string testId) =>
        page.Locator($"input[data-testid={testId}], [data-testid={testId}] input").First;

    [Fact]
    public Task Sre_EditsAPolicy_PreviewsIt_AndReadsAClustersScoreBreakdown() => BrowserJourney.RunAsync(portal, output, async journey =>
    {
        var page = journey.Page;
        var policy = SchedulerPolicyDocument.Default("e2e-scheduled");
        // The fixture syncs the fleet once; a long suite must not see it fall out of the plan as stale.
        policy.Filters.ExcludeStale = false;
        policy.Shaping.CanarySize = 1;
        await Scheduler.CreateAsync(policy, PortalFixture.Actor);

        await journey.LogInAsync("bob");
        await journey.GoToAsync("/scheduler/e2e-scheduled");
        await Field(page, "weight-tier").FillAsync("7");
        await Field(page, "field-regions").FillAsync("cn-hangzhou");
        await Field(page, "field-regions").PressAsync("Tab");

        await page.GetByTestId("preview").ClickAsync();
        await Assertions.Expect(page.GetByTestId("plan-summary")).ToContainTextAsync("excluded");
        await Assertions.Expect(page.GetByTestId("plan-wave-canary")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid^=excluded-]").First).ToContainTextAsync("is not among the policy's regions (cn-hangzhou)");

        var canary = await page.GetByTestId("plan-wave-canary").Locator("tbody tr td.mono").First.InnerTextAsync();
        await page.GetByTestId($"scores-{canary}").ClickAsync();
        var tier = page.GetByTestId($"score-{canary}-tier");
        await Assertions.Expect(tier).ToContainTextAsync("less critical tiers first");
        await Assertions.Expect(tier).ToContainTextAsync("7");
        await Assertions.Expect(page.GetByTestId($"breakdown-{canary}")).ToContainTextAsync("Weighted total");
        await journey.ScreenshotAsync("scheduler-preview");

        await page.GetByTestId("save").ClickAsync();
        await Assertions.Expect(page.GetByText("Scheduler policy 'e2e-scheduled' saved.")).ToBeVisibleAsync();
        var saved = (await Scheduler.GetAsync("e2e-scheduled"))!.Document;
        Assert.Equal(7, saved.Weights[ScorePlugins.Tier]);
        Assert.Equal(["cn-hangzhou"], saved.Filters.Regions);
    });
}
