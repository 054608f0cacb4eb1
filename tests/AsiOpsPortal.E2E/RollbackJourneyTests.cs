using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.Tests.Shared;

namespace AsiOpsPortal.E2E;

/// <summary>
/// Bob rolls back a critical change (it reaches a tier-0 cluster): the dialog names what happens to which cluster, the
/// waves are undone newest first with their pacing, and the component page then shows the previous version everywhere.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class RollbackJourneyTests(PortalFixture portal, ITestOutputHelper output)
{
    private const string Component = "web-undo-e2e";
    private const string Pipeline = "undo-e2e-path";
    // The default risk rules hold: a test canary first, then production one cluster per wave, the tier-0 one last.
    private static readonly string[] Canary = ["test-beijing-03"];
    private static readonly string[] Prod = ["prod-shanghai-03", "prod-hangzhou-01"];

    [Fact]
    public async Task Rollback_OfACriticalChange_NamesItsClusters_UndoesTheWavesInReverse_AndLeavesThePreviousVersion()
    {
        await PrepareAsync();
        await ReleaseAsync("1.0");
        var id = await ReleaseAsync("1.1");

        await BrowserJourney.RunAsync(portal, output, async bob =>
        {
            await bob.LogInAsync("bob");
            await bob.GoToAsync($"/changes/{id}");
            var page = bob.Page;
            await page.GetByTestId("rollback").ClickAsync();

            var dialog = page.Locator(".mud-dialog");
            await Assertions.Expect(dialog.GetByTestId("rollback-summary")).ToContainTextAsync("3 cluster(s)");
            await Assertions.Expect(dialog.Locator("[data-testid=rollback-restored][data-version='1.0']")).ToContainTextAsync(string.Join(", ", Canary.Concat(Prod).Order(StringComparer.Ordinal)));
            await Assertions.Expect(dialog.GetByTestId("rollback-tier0")).ToContainTextAsync("prod-hangzhou-01");
            await Assertions.Expect(dialog.GetByTestId("rollback-wave")).ToHaveCountAsync(3);
            await Assertions.Expect(dialog.GetByTestId("rollback-wave").First).ToHaveAttributeAsync("data-wave", "rollback of tier0");
            await dialog.GetByTestId("rollback-confirm").ClickAsync();

            await Assertions.Expect(page.GetByTestId("change-status")).ToHaveTextAsync("Rolled back", new() { Timeout = 60_000 });
            var cards = page.Locator("[data-testid=wave][data-wave^='rollback of']");
            await Assertions.Expect(cards).ToHaveCountAsync(3);
            await Assertions.Expect(cards.First).ToHaveAttributeAsync("data-wave", "rollback of tier0");
            await Assertions.Expect(cards.First.GetByTestId("rollback-pacing")).ToContainTextAsync("1 at a time");

            await bob.GoToAsync($"/components/{Component}");
            await Assertions.Expect(page.GetByTestId("cluster-release-row")).ToHaveCountAsync(3);
            foreach (var row in await page.GetByTestId("cluster-release-row").AllAsync())
                await Assertions.Expect(row).ToContainTextAsync("1.0");
            await Assertions.Expect(page.GetByText("Drifted")).ToHaveCountAsync(0);
        });

        // Paced: newest wave first, each wave only after the one before it was undone and had soaked.
        var change = await ExpectAsync(await portal.Portal.ApiClient("bob").GetAsync($"/api/v1/changes/{id}"), HttpStatusCode.OK);
        var waves = change["rollbackWaves"]!.AsArray().Select(w => Times(w!).Single()).ToList();
        Assert.True(waves[1].Started >= waves[0].Finished.AddSeconds(1), "prod was undone after tier 0 had been and soaked");
        Assert.True(waves[2].Started >= waves[1].Finished.AddSeconds(1), "the canary was undone after prod had been and soaked");
    }

    private static List<(DateTimeOffset Started, DateTimeOffset Finished)> Times(JsonNode wave) =>
        wave["clusters"]!.AsArray()
            .Select(c => (DateTimeOffset.Parse(c!["startedAt"]!.GetValue<string>()), DateTimeOffset.Parse(c["finishedAt"]!.GetValue<string>())))
            .OrderBy(t => t.Item1).ToList();

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
                new { name = "canary", clusters = Canary, canary = true, minSuccessSeconds = 0, maxConcurrency = 1, progressDeadlineSeconds = 60, maxFailures = "0" },
                // Short soaks that the rollback keeps: each undone wave waits 1 s before the one before it is undone.
                new { name = "prod", clusters = Prod[..1], canary = false, minSuccessSeconds = 1, maxConcurrency = 1, progressDeadlineSeconds = 60, maxFailures = "0" },
                new { name = "tier0", clusters = Prod[1..], canary = false, minSuccessSeconds = 1, maxConcurrency = 1, progressDeadlineSeconds = 60, maxFailures = "0" },
            },
        }), HttpStatusCode.Created);
    }

    /// <summary>Proposes the version along the pipeline and has it approved as a critical change needs (bob, carol, then an admin).</summary>
    private async Task<long> ReleaseAsync(string version)
    {
        var alice = portal.Portal.ApiClient("alice");
        var created = await ExpectAsync(await alice.PostAsJsonAsync("/api/v1/changes",
            new { title = $"{Component} {version}", reason = "e2e", rollbackPlan = "roll back in the portal", component = Component, version, pipeline = Pipeline }), HttpStatusCode.Created);
        Assert.Equal("critical", created["riskLevel"]!.GetValue<string>());
        var id = created["id"]!.GetValue<long>();
        foreach (var approver in new[] { "bob", "carol", "admin" })
            await ExpectAsync(await portal.Portal.ApiClient(approver).PostAsJsonAsync($"/api/v1/changes/{id}/approvals", new { decision = "approve" }), HttpStatusCode.OK);
        var bob = portal.Portal.ApiClient("bob");
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(200))
        {
            var status = (await ExpectAsync(await bob.GetAsync($"/api/v1/changes/{id}"), HttpStatusCode.OK))["status"]!.GetValue<string>();
            if (status == "Succeeded") return id;
            Assert.True(DateTime.UtcNow < deadline && status is "Running" or "Approved", $"change {id} is {status}, not Succeeded");
        }
    }

    private static async Task<JsonNode> ExpectAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
            return JsonNode.Parse(body)!;
        }
    }
}
