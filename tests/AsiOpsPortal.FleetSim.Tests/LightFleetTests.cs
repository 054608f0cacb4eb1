using k8s;

namespace AsiOpsPortal.FleetSim.Tests;

public sealed class LightFleetTests
{
    [Fact]
    public async Task StartAsync_ServesTenThousandClusters_WhenFleetIsLight()
    {
        await using var simulator = await FleetSimulator.StartAsync(new FleetSimOptions { Fleet = "light" });
        var cluster = simulator.Clusters[4321];
        using var client = new Kubernetes(new KubernetesClientConfiguration
        {
            Host = simulator.ServerUrl(cluster.Name),
            AccessToken = simulator.Token(cluster.Name),
        });

        var nodes = await client.CoreV1.ListNodeAsync();

        Assert.Equal(10_000, simulator.Clusters.Count);
        Assert.Equal(100, nodes.Items.Count);
        Assert.Equal(100, nodes.Items.Select(n => n.Metadata.Name).Distinct().Count());
        Assert.All(nodes.Items, n => Assert.Equal(cluster.KubernetesVersion, n.Status.NodeInfo.KubeletVersion));
        Assert.All(nodes.Items, n => Assert.Equal(cluster.Region, n.Metadata.Labels["topology.kubernetes.io/region"]));
    }
}
