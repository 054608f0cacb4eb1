extern alias fleetsim;

using fleetsim::AsiOpsPortal.FleetSim;

namespace AsiOpsPortal.E2E;

[Collection(PortalCollection.Name)]
public sealed class LiveSyncTests(PortalFixture portal, ITestOutputHelper output)
{
    [Fact]
    public Task ClusterPage_ShowsNewReadyCountWithoutReload_WhenSreSyncsAfterNodesGoNotReady() => BrowserJourney.RunAsync(portal, output, async journey =>
    {
        var page = journey.Page;
        // Not the cluster other journeys open, and with fewer nodes than one page of the node table.
        var cluster = portal.Fleet.Clusters.Last(c => c.Environment == "test");
        var total = cluster.NodeCount;
        await journey.LogInAsync("bob");
        await journey.GoToAsync($"/clusters/{cluster.Name}");
        await Assertions.Expect(page.GetByTestId("nodes-ready")).ToHaveTextAsync($"{total} / {total}");
        // A reload would lose this; a live refresh keeps it.
        await page.EvaluateAsync("() => { window.e2eSameDocument = true; }");

        portal.Fleet.SetFault(cluster.Name, new SimFault { NotReadyNodes = 2 });
        try
        {
            await page.GetByTestId("sync-now").ClickAsync();

            await Assertions.Expect(page.GetByTestId("nodes-ready")).ToHaveTextAsync($"{total - 2} / {total}");
            await Assertions.Expect(page.GetByTestId("node-table").GetByText("NotReady", new() { Exact = true })).ToHaveCountAsync(2);
            Assert.True(await page.EvaluateAsync<bool>("() => window.e2eSameDocument === true"), "The page was reloaded instead of refreshed live.");
        }
        finally
        {
            await portal.HealAsync(cluster.Name);
        }
    });
}
