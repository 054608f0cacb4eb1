using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.Tests.Shared;

namespace AsiOpsPortal.E2E;

/// <summary>The main path in a browser: a Developer proposes, two SREs approve, the waves turn green live; pause, resume, roll back.</summary>
[Collection(PortalCollection.Name)]
public sealed class ChangeJourneyTests(PortalFixture portal, ITestOutputHelper output)
{
    private const string Component = "web-e2e";
    private const string Pipeline = "e2e-path";

    [Fact]
    public async Task Change_GoesFromProposalToGreenWaves_ThenPausesResumesAndRollsBack()
    {
        await PrepareAsync();
        long id = 0;

        await BrowserJourney.RunAsync(portal, output, async alice =>
        {
            await alice.LogInAsync("alice");
            await alice.GoToAsync("/changes/new");
            var page = alice.Page;
            await Field(page, "title").FillAsync("web-e2e 1.0 to the fleet");
            await ChooseAsync(page, "component", Component);
            await ChooseAsync(page, "version", "1.0");
            await ChooseAsync(page, "pipeline", Pipeline);
            await Field(page, "reason").FillAsync("First release of the e2e web tier.");
            // The change reaches production, and the default risk rules require a rollback plan for that.
            await Field(page, "rollback-plan").FillAsync("Roll back in the portal.");
            await page.GetByTestId("preview").ClickAsync();
            await Assertions.Expect(page.GetByTestId("plan-preview")).ToContainTextAsync("2 clusters in 2 waves");
            await page.GetByTestId("submit").ClickAsync();

            await page.WaitForURLAsync(url => url.Contains("/changes/") && !url.EndsWith("/new"));
            id = long.Parse(page.Url.Split('/').Last());
            await Assertions.Expect(page.GetByTestId("change-status")).ToHaveTextAsync("Pending approval");
            await Assertions.Expect(page.GetByTestId("review-refusal")).ToContainTextAsync("someone else must review it");
        });

        await BrowserJourney.RunAsync(portal, output, async bob =>
        {
            await bob.LogInAsync("bob");
            await Assertions.Expect(bob.Page.GetByTestId("approval-count")).ToHaveTextAsync("1");
            await bob.GoToAsync($"/changes/{id}");
            await bob.Page.GetByTestId("approve").ClickAsync();
            await Assertions.Expect(bob.Page.GetByTestId("approvals")).ToContainTextAsync("1 / 2");
        });

        await BrowserJourney.RunAsync(portal, output, async carol =>
        {
            await carol.LogInAsync("carol");
            await carol.GoToAsync($"/changes/{id}");
            var page = carol.Page;
            await page.EvaluateAsync("() => { window.e2eSameDocument = true; }");
            await page.GetByTestId("approve").ClickAsync();

            // The waves turn green without a reload.
            await Assertions.Expect(page.GetByTestId("change-status")).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });
            await Assertions.Expect(page.Locator("[data-testid=step-chip][data-status=Succeeded]")).ToHaveCountAsync(2);
            await Assertions.Expect(page.Locator("[data-testid=wave][data-status=Succeeded]")).ToHaveCountAsync(2);
            Assert.True(await page.EvaluateAsync<bool>("() => window.e2eSameDocument === true"), "The page was reloaded instead of refreshed live.");
        });

        // A second release that soaks long enough in its first wave to be paused there.
        var second = await ProposeAndApproveAsync("1.1");
        await BrowserJourney.RunAsync(portal, output, async bob =>
        {
            await bob.LogInAsync("bob");
            await bob.GoToAsync($"/changes/{second}");
            var page = bob.Page;
            await ConfirmAsync(page, "pause");
            await Assertions.Expect(page.GetByTestId("change-status")).ToHaveTextAsync("Paused");
            await Assertions.Expect(page.GetByTestId("status-reason")).ToContainTextAsync("Paused by bob");
            await ConfirmAsync(page, "resume");
            await Assertions.Expect(page.GetByTestId("change-status")).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });

            await ConfirmAsync(page, "rollback");
            await Assertions.Expect(page.GetByTestId("change-status")).ToHaveTextAsync("Rolled back", new() { Timeout = 60_000 });
        });
        Assert.Equal("nginx:1.26", await DeploymentImageAsync("test-hangzhou-03"));
    }

    /// <summary>The input or textarea a MudBlazor field carries its data-testid on (or inside).</summary>
    private static ILocator Field(IPage page, string testId) =>
        page.Locator($"input[data-testid={testId}], textarea[data-testid={testId}], [data-testid={testId}] input, [data-testid={testId}] textarea").First;

    private static async Task ChooseAsync(IPage page, string testId, string option)
    {
        await page.Locator(".mud-input-control").Filter(new() { Has = page.Locator($"[data-testid={testId}]") }).First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = option }).First.ClickAsync();
        await Assertions.Expect(page.Locator(".mud-popover-open")).ToHaveCountAsync(0);
    }

    private static async Task ConfirmAsync(IPage page, string action)
    {
        await page.GetByTestId(action).ClickAsync();
        await page.Locator(".mud-dialog .mud-dialog-actions button").Last.ClickAsync();
    }

    private async Task PrepareAsync()
    {
        var bob = portal.Portal.ApiClient("bob");
        await ExpectAsync(await bob.PostAsJsonAsync("/api/v1/components", new { name = Component, @namespace = Component, description = "e2e" }), HttpStatusCode.Created);
        foreach (var (version, image) in new[] { ("1.0", "nginx:1.26"), ("1.1", "nginx:1.27") })
            await ExpectAsync(await bob.PostAsJsonAsync($"/api/v1/components/{Component}/versions", new { version, manifests = SampleManifests.Workload(Component, Component, image) }), HttpStatusCode.Created);
        await ExpectAsync(await bob.PostAsJsonAsync("/api/v1/pipelines", new
        {
            name = Pipeline,
            waves = new object[]
            {
                new { name = "canary", clusters = new[] { "test-hangzhou-03" }, canary = true, minSuccessSeconds = 4, maxConcurrency = 1, progressDeadlineSeconds = 60, maxFailures = "0" },
                new { name = "prod", clusters = new[] { "prod-beijing-03" }, canary = false, minSuccessSeconds = 0, maxConcurrency = 1, progressDeadlineSeconds = 60, maxFailures = "0" },
            },
        }), HttpStatusCode.Created);
    }

    private async Task<long> ProposeAndApproveAsync(string version)
    {
        var alice = portal.Portal.ApiClient("alice");
        var created = await ExpectAsync(await alice.PostAsJsonAsync("/api/v1/changes",
            new { title = $"{Component} {version}", reason = "e2e", rollbackPlan = "roll back", component = Component, version, pipeline = Pipeline }), HttpStatusCode.Created);
        var id = created["id"]!.GetValue<long>();
        foreach (var sre in new[] { "bob", "carol" })
            await ExpectAsync(await portal.Portal.ApiClient(sre).PostAsJsonAsync($"/api/v1/changes/{id}/approvals", new { decision = "approve" }), HttpStatusCode.OK);
        return id;
    }

    private async Task<string?> DeploymentImageAsync(string cluster)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", portal.Fleet.Token(cluster));
        var body = await http.GetStringAsync($"{portal.Fleet.ServerUrl(cluster).TrimEnd('/')}/apis/apps/v1/namespaces/{Component}/deployments/{Component}");
        return JsonNode.Parse(body)!["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>();
    }

    private static async Task<JsonNode> ExpectAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!;
    }
}
