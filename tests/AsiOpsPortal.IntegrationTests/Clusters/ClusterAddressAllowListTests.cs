using System.Net;
using AsiOpsPortal.IntegrationTests.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Clusters;

/// <summary>A portal whose clusters may live only in 10.0.0.0/8 or at the host named localhost.</summary>
public sealed class AllowListWorld() : PortalWithFleet("integrationclusteraddresses", new Dictionary<string, string>
{
    ["Portal:ClusterAddresses:0"] = "10.0.0.0/8",
    ["Portal:ClusterAddresses:1"] = "localhost",
});

/// <summary>Portal:ClusterAddresses decides where API servers may be, before the portal contacts anything.</summary>
public sealed class ClusterAddressAllowListTests(AllowListWorld world) : IClassFixture<AllowListWorld>
{
    [Fact]
    public async Task PostClusters_RefusesServersOutsideTheAllowList_AndAcceptsOnesItNames()
    {
        var bob = world.Portal.ApiClient("bob");
        var sim = world.Cluster("test-hangzhou-01");
        var byAddress = world.Fleet.Kubeconfig(sim.Name);
        Assert.Contains("127.0.0.1", byAddress);

        using (var refused = await bob.RegisterAsync(sim.Name, byAddress))
        {
            var detail = (await refused.ExpectJsonAsync(HttpStatusCode.BadRequest, "registering a cluster outside the allow-list"))["detail"]!.GetValue<string>();
            Assert.Contains("127.0.0.1 is outside the addresses clusters may have (Portal:ClusterAddresses: 10.0.0.0/8, localhost)", detail);
        }
        Assert.Empty(world.Fleet.RequestLog(sim.Name));

        using var accepted = await bob.RegisterAsync(sim.Name, byAddress.Replace("127.0.0.1", "localhost"));
        await accepted.ExpectJsonAsync(HttpStatusCode.Created, "registering the same cluster by an allowed name");
    }
}
