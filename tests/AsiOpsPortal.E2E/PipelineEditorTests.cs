using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Web.Pipelines;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.E2E;

[Collection(PortalCollection.Name)]
public sealed class PipelineEditorTests(PortalFixture portal, ITestOutputHelper output)
{
    private PipelineService Pipelines => portal.Portal.Services.GetRequiredService<PipelineService>();

    [Fact]
    public Task Sre_MovesAndReordersClustersByDragAndDrop_AndSavesThePipeline() => BrowserJourney.RunAsync(portal, output, async journey =>
    {
        var page = journey.Page;
        await Pipelines.CreateAsync(new PipelineDocument("e2e-dragged", "Built in a browser.", "environment=test",
            [new WaveSpec { Name = "canary", Clusters = ["test-hangzhou-01"], Canary = true }, new WaveSpec { Name = "rest" }]), PortalFixture.Actor);
        var pool = page.GetByTestId("zone-fleet");
        var firstWave = page.GetByTestId("zone-1");
        var secondWave = page.GetByTestId("zone-2");
        async Task ExpectClustersAsync(ILocator zone, params string[] clusters) =>
            await Assertions.Expect(zone.Locator("[data-testid^=cluster-] .mono")).ToHaveTextAsync(clusters);
        // As a person drags: press, move (along an L, so the pointer enters the target where it means to, crossing no other
        // wave), then keep hovering the target while watching the placeholder. MudBlazor puts the cluster after the last
        // card the pointer entered, or first over a zone's top strip, but entering a new zone resets that to "first" and
        // moves the placeholder (and the cards) under the pointer; so look again where the target is now and hover it.
        async Task DragAsync(ILocator cluster, ILocator onto, float down = 0.5f, bool acrossFirst = false)
        {
            await cluster.ScrollIntoViewIfNeededAsync();
            var source = (await cluster.BoundingBoxAsync())!;
            var target = (await onto.BoundingBoxAsync())!;
            var (x, y) = (source.X + 60, source.Y + source.Height / 2);
            await page.Mouse.MoveAsync(x, y);
            await page.Mouse.DownAsync();
            await page.Mouse.MoveAsync(acrossFirst ? target.X + 60 : x, acrossFirst ? y : target.Y + target.Height * down, new() { Steps = 10 });
            await page.Mouse.MoveAsync(target.X + 60, target.Y + target.Height * down, new() { Steps = 10 });
            for (var look = 0; look < 2; look++)
            {
                await page.WaitForTimeoutAsync(300);
                target = (await onto.BoundingBoxAsync())!;
                await page.Mouse.MoveAsync(target.X + 80, target.Y + target.Height * down, new() { Steps = 5 });
            }
            await page.WaitForTimeoutAsync(300);
            await page.Mouse.UpAsync();
        }
        async Task FilterPoolAsync(string text)
        {
            await page.GetByPlaceholder("Filter by name").FillAsync(text);
            await Assertions.Expect(pool.Locator("[data-testid^=cluster-]").First).ToContainTextAsync(text);
        }

        // Tall enough for the pool and both waves: a drag that has to scroll the page lets go somewhere else.
        await page.SetViewportSizeAsync(1440, 1600);
        await journey.LogInAsync("bob");
        await journey.GoToAsync("/pipelines/e2e-dragged");
        await ExpectClustersAsync(firstWave, "test-hangzhou-01");

        // From the fleet pool onto the wave's only card: it lands after it.
        await FilterPoolAsync("test-shanghai-01");
        await DragAsync(pool.GetByTestId("cluster-test-shanghai-01"), firstWave.GetByTestId("cluster-test-hangzhou-01"));
        await ExpectClustersAsync(firstWave, "test-hangzhou-01", "test-shanghai-01");

        // Within the wave, up to the wave's top strip: it goes first.
        await DragAsync(firstWave.GetByTestId("cluster-test-shanghai-01"), firstWave, down: 0.02f);
        await ExpectClustersAsync(firstWave, "test-shanghai-01", "test-hangzhou-01");

        // Into the empty second wave, a second one after it, then the first back to the pool.
        await FilterPoolAsync("test-beijing");
        await DragAsync(pool.GetByTestId("cluster-test-beijing-01"), secondWave);
        await ExpectClustersAsync(secondWave, "test-beijing-01");
        await DragAsync(pool.GetByTestId("cluster-test-beijing-02"), secondWave.GetByTestId("cluster-test-beijing-01"));
        await ExpectClustersAsync(secondWave, "test-beijing-01", "test-beijing-02");
        await DragAsync(secondWave.GetByTestId("cluster-test-beijing-01"), pool, acrossFirst: true);
        await ExpectClustersAsync(secondWave, "test-beijing-02");
        await Assertions.Expect(pool.GetByTestId("cluster-test-beijing-01")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("unplanned")).ToContainTextAsync("test-beijing-01");
        await journey.ScreenshotAsync("pipeline-editor-bob");

        await page.GetByTestId("save").ClickAsync();

        await Assertions.Expect(page.GetByTestId("unsaved")).ToHaveCountAsync(0);
        var saved = (await Pipelines.GetAsync("e2e-dragged"))!.Document;
        Assert.Equal(["test-shanghai-01", "test-hangzhou-01"], saved.Waves[0].Clusters);
        Assert.Equal(["test-beijing-02"], saved.Waves[1].Clusters);
    });
}
