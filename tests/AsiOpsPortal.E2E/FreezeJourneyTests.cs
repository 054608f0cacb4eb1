using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using AsiOpsPortal.Tests.Shared;

namespace AsiOpsPortal.E2E;

/// <summary>An SRE creates a freeze window; a Developer's change shows the banner and waits on it; after the window it runs.</summary>
[Collection(PortalCollection.Name)]
public sealed class FreezeJourneyTests(PortalFixture portal, ITestOutputHelper output)
{
    private const string Component = "web-freeze-e2e";
    private const string Pipeline = "freeze-e2e";
    private const string Cluster = "test-shanghai-03";

    [Fact]
    public async Task FrozenChange_ShowsTheBannerAndWhyItWaits_ThenRunsAfterTheWindow()
    {
        await PrepareAsync();
        // The form takes minutes, and signing in twice on a busy machine takes one: frozen from the minute before now for five.
        var now = DateTime.UtcNow;
        var minute = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMinute));
        var (start, end) = (minute.AddMinutes(-1), minute.AddMinutes(4));
        long id = 0;

        await BrowserJourney.RunAsync(portal, output, async bob =>
        {
            await bob.LogInAsync("bob");
            await bob.GoToAsync("/freeze-windows");
            var page = bob.Page;
            await page.GetByText("New freeze window").ClickAsync();
            await Field(page, "window-name-input").FillAsync("e2e-freeze");
            await Field(page, "window-reason").FillAsync("E2E maintenance freeze");
            await Field(page, "window-zone").FillAsync("UTC");
            await Field(page, "window-start").FillAsync(start.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
            await Field(page, "window-end").FillAsync(end.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
            await Field(page, "scope-clusters").FillAsync(Cluster);
            await page.GetByTestId("create-window").ClickAsync();
            await Assertions.Expect(page.GetByTestId("window-table")).ToContainTextAsync("e2e-freeze");
        });

        await BrowserJourney.RunAsync(portal, output, async alice =>
        {
            await alice.LogInAsync("alice");
            await alice.GoToAsync("/changes/new");
            var page = alice.Page;
            await Field(page, "title").FillAsync("web through a freeze");
            await ChooseAsync(page, "component", Component);
            await ChooseAsync(page, "version", "1.0");
            await ChooseAsync(page, "pipeline", Pipeline);
            await Field(page, "reason").FillAsync("E2E freeze journey.");
            await page.GetByTestId("preview").ClickAsync();
            await Assertions.Expect(page.GetByTestId("freeze-banner")).ToContainTextAsync("(E2E maintenance freeze; window 'e2e-freeze')");
            await page.GetByTestId("submit").ClickAsync();
            await page.WaitForURLAsync(url => url.Contains("/changes/") && !url.EndsWith("/new"));
            id = long.Parse(page.Url.Split('/').Last(), CultureInfo.InvariantCulture);
            await Assertions.Expect(page.GetByTestId("freeze-banner")).ToContainTextAsync("Frozen until");

            var approved = await portal.Portal.ApiClient("bob").PostAsJsonAsync($"/api/v1/changes/{id}/approvals", new { decision = "approve" });
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
            await Assertions.Expect(page.GetByTestId("waiting-for")).ToContainTextAsync("Wave 'only' does not start", new() { Timeout = 30_000 });
            await Assertions.Expect(page.GetByTestId("change-status")).ToHaveTextAsync("Succeeded", new() { Timeout = 360_000 });
        });

        // The cluster's step started only once the window, as saved, had ended.
        var api = portal.Portal.ApiClient("bob");
        var windows = System.Text.Json.Nodes.JsonNode.Parse(await api.GetStringAsync("/api/v1/freeze-windows"))!["items"]!.AsArray();
        var windowEnds = windows.Single(w => w!["name"]!.GetValue<string>() == "e2e-freeze")!["end"]!.GetValue<string>();
        var change = System.Text.Json.Nodes.JsonNode.Parse(await api.GetStringAsync($"/api/v1/changes/{id}"))!;
        var started = change["waves"]![0]!["clusters"]![0]!["startedAt"]!.GetValue<DateTimeOffset>();
        output.WriteLine($"window typed to end {end:u}, saved to end {windowEnds} UTC; the step started {started:O}");
        Assert.True(started.UtcDateTime >= DateTime.ParseExact(windowEnds, "yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture),
            $"The step started at {started:O}, before the window's end {windowEnds} UTC.");
    }

    private static ILocator Field(IPage page, string testId) =>
        page.Locator($"input[data-testid={testId}], textarea[data-testid={testId}], [data-testid={testId}] input, [data-testid={testId}] textarea").First;

    private static async Task ChooseAsync(IPage page, string testId, string option)
    {
        await page.Locator(".mud-input-control").Filter(new() { Has = page.Locator($"[data-testid={testId}]") }).First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = option }).First.ClickAsync();
        await Assertions.Expect(page.Locator(".mud-popover-open")).ToHaveCountAsync(0);
    }

    private async Task PrepareAsync()
    {
        var bob = portal.Portal.ApiClient("bob");
        await ExpectAsync(await bob.PostAsJsonAsync("/api/v1/components", new { name = Component, @namespace = Component, description = "e2e" }));
        await ExpectAsync(await bob.PostAsJsonAsync($"/api/v1/components/{Component}/versions",
            new { version = "1.0", manifests = SampleManifests.Workload(Component, Component, "nginx:1.26") }));
        await ExpectAsync(await bob.PostAsJsonAsync("/api/v1/pipelines", new
        {
            name = Pipeline,
            waves = new object[] { new { name = "only", clusters = new[] { Cluster }, maxConcurrency = 1, minSuccessSeconds = 0, progressDeadlineSeconds = 60, maxFailures = "0" } },
        }));
    }

    private static async Task ExpectAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"expected 201, got {(int)response.StatusCode}: {body}");
    }
}
