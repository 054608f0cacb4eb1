extern alias fleetsim;

using fleetsim::AsiOpsPortal.FleetSim;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Kubernetes;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.IntegrationTests.Clusters;

/// <summary>The portal's one seam to Kubernetes, over real HTTP to FleetSim.</summary>
public sealed class KubernetesClusterClientTests(FleetOnly fleet) : IClassFixture<FleetOnly>, IDisposable
{
    private readonly KubernetesClusterClient _client = new(Options.Create(new ClusterClientOptions
    {
        Qps = 500, Burst = 500, RequestTimeout = TimeSpan.FromSeconds(10),
    }));

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task ListNodesAsync_ReachesEveryNodeExactlyOnce_WhenPagingWithASmallLimit()
    {
        var sim = Demo("prod-beijing-01");
        var target = TargetFor(sim);
        const int limit = 7;

        var seen = new List<string>();
        var pages = 0;
        string? continueToken = null;
        do
        {
            var page = await _client.ListNodesAsync(target, limit, continueToken, CancellationToken.None);
            Assert.InRange(page.Nodes.Count, 1, limit);
            seen.AddRange(page.Nodes.Select(n => n.Name));
            continueToken = page.ContinueToken;
            Assert.True(++pages <= sim.NodeCount, "Paging does not end.");
        } while (continueToken is not null);

        Assert.Equal(sim.NodeCount, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal((await fleet.Fleet.NodeNamesAsync(sim.Name)).Order(), seen.Order());
        Assert.Equal((sim.NodeCount + limit - 1) / limit, pages);
        var listRequests = fleet.Fleet.RequestLog(sim.Name).Where(r => r.Method == "GET" && r.Path.StartsWith("/api/v1/nodes?")).ToList();
        Assert.Equal(pages, listRequests.Count);
        Assert.All(listRequests, r => Assert.Contains($"limit={limit}", r.Path));
        Assert.Equal(pages - 1, listRequests.Count(r => r.Path.Contains("continue=")));
    }

    [Fact]
    public async Task ListNodesAsync_MapsReadinessPoolAndVersion_WhenNodesAreNotReady()
    {
        var sim = Demo("test-beijing-02");
        fleet.Fleet.SetFault(sim.Name, new SimFault { NotReadyNodes = 1 });
        try
        {
            var page = await _client.ListNodesAsync(TargetFor(sim), 500, null, CancellationToken.None);

            Assert.Null(page.ContinueToken);
            Assert.Equal(sim.NodeCount, page.Nodes.Count);
            Assert.Equal(1, page.Nodes.Count(n => !n.Ready));
            Assert.All(page.Nodes, n => Assert.Equal(sim.KubernetesVersion, n.KubeletVersion));
            Assert.All(page.Nodes, n => Assert.Equal(n.Labels["asiops.io/pool"], n.Pool));
            Assert.Contains(page.Nodes.Single(n => !n.Ready).Conditions, c => c is { Type: "Ready", Status: "False" });
        }
        finally
        {
            fleet.Fleet.SetFault(sim.Name, SimFault.None);
        }
    }

    [Fact]
    public async Task ProbeAsync_ReturnsTheClusterVersion_WhenClusterIsHealthy()
    {
        var sim = Demo("staging-hangzhou-02");

        var probe = await _client.ProbeAsync(TargetFor(sim), CancellationToken.None);

        Assert.Equal(sim.KubernetesVersion, probe.KubernetesVersion);
        Assert.True(probe.Latency > TimeSpan.Zero);
    }

    [Fact]
    public async Task ProbeAsync_ThrowsServerErrorNamingTheCluster_WhenEveryRequestFails()
    {
        var sim = Demo("test-hangzhou-03");
        fleet.Fleet.SetFault(sim.Name, new SimFault { ErrorRate = 1.0 });
        try
        {
            var failure = await Assert.ThrowsAsync<ClusterCallException>(() => _client.ProbeAsync(TargetFor(sim), CancellationToken.None));

            Assert.Equal(ClusterFailure.ServerError, failure.Failure);
            Assert.StartsWith(sim.Name, failure.Message);
            Assert.Contains("500", failure.Message);
        }
        finally
        {
            fleet.Fleet.SetFault(sim.Name, SimFault.None);
        }
    }

    [Fact]
    public async Task ProbeAsync_RefusesToConnect_WhenTheServerResolvesOutsideTheAllowedAddresses()
    {
        var sim = Demo("test-hangzhou-03");
        using var guarded = new KubernetesClusterClient(Options.Create(new ClusterClientOptions { AllowedAddresses = ["10.0.0.0/8"] }));
        // "localhost" is a name: the rule is applied to what it resolves to when the portal connects.
        var byName = new ClusterTarget(Guid.NewGuid(), sim.Name, fleet.Fleet.Kubeconfig(sim.Name).Replace("127.0.0.1", "localhost"), Context: "");
        fleet.Fleet.ClearRequestLog();

        var failure = await Assert.ThrowsAsync<ClusterCallException>(() => guarded.ProbeAsync(byName, CancellationToken.None));

        Assert.Contains("is outside the addresses clusters may have (Portal:ClusterAddresses: 10.0.0.0/8)", failure.Message);
        Assert.Empty(fleet.Fleet.RequestLog(sim.Name));
        Assert.NotNull(await _client.ProbeAsync(byName, CancellationToken.None));
    }

    private SimClusterInfo Demo(string name) => fleet.Fleet.Clusters.Single(c => c.Name == name);

    private ClusterTarget TargetFor(SimClusterInfo sim) => new(Guid.NewGuid(), sim.Name, fleet.Fleet.Kubeconfig(sim.Name), Context: "");
}
