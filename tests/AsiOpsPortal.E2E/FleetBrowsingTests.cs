using AsiOpsPortal.Core.Clusters;

namespace AsiOpsPortal.E2E;

[Collection(PortalCollection.Name)]
public sealed class FleetBrowsingTests(PortalFixture portal, ITestOutputHelper output)
{
    [Fact]
    public Task Sre_SeesFleetAndClusterNodesButNotUserAdmin_WhenBrowsingAfterLogin() => BrowserJourney.RunAsync(portal, output, async journey =>
    {
        var page = journey.Page;
        var fleet = portal.Fleet.Clusters;

        await journey.LogInAsync("bob");

        // The dashboard: the whole demo fleet, sliced by environment in rollout order.
        await Assertions.Expect(page).ToHaveURLAsync(new Uri(new Uri(portal.Portal.ServerAddress), "/").ToString());
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Fleet", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("current-user")).ToHaveTextAsync("bob");
        await Assertions.Expect(page.GetByTestId("stat-clusters").Locator("h5")).ToHaveTextAsync(fleet.Count.ToString());
        var byEnvironment = page.Locator(".mud-paper").Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "By environment" }) });
        var environments = ClusterRules.Environments.Where(e => fleet.Any(c => c.Environment == e)).ToArray();
        Assert.Equal(["test", "staging", "prod"], environments);
        await Assertions.Expect(byEnvironment.GetByTestId("slice").Locator("a")).ToHaveTextAsync(environments);
        foreach (var environment in environments)
        {
            await Assertions.Expect(byEnvironment.GetByTestId("slice").Filter(new() { Has = page.GetByRole(AriaRole.Link, new() { Name = environment, Exact = true }) }))
                .ToContainTextAsync($"{fleet.Count(c => c.Environment == environment)} clusters");
        }
        await journey.ScreenshotAsync("dashboard-bob");

        // The cluster list, then one cluster and the nodes FleetSim serves for it.
        var cluster = fleet.First(c => c.Environment == "staging");
        await page.GetByRole(AriaRole.Link, new() { Name = "Clusters", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/clusters$"));
        await page.GetByTestId("cluster-link").Filter(new() { HasTextString = cluster.Name }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/clusters/{cluster.Name}$"));
        await Assertions.Expect(page.GetByTestId("cluster-name")).ToHaveTextAsync(cluster.Name);
        var expectedNodes = await portal.NodeNamesAsync(cluster.Name);
        Assert.Equal(cluster.NodeCount, expectedNodes.Count);
        var nodeCells = page.GetByTestId("node-table").Locator("tbody td[data-label=Node]");
        await Assertions.Expect(nodeCells).ToHaveCountAsync(expectedNodes.Count);
        Assert.Equal(expectedNodes.Order(), (await nodeCells.AllInnerTextsAsync()).Select(n => n.Trim()).Order());

        // An SRE is not an Admin.
        await journey.GoToAsync("/admin/users");
        await Assertions.Expect(page.GetByTestId("access-denied")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("users-title")).ToHaveCountAsync(0);
    });
}
