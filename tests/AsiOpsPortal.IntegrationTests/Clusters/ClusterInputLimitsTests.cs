using System.Net;
using AsiOpsPortal.IntegrationTests.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Clusters;

/// <summary>Cluster metadata longer than its column is refused in words (PostgreSQL's own error used to surface as a 500).</summary>
public sealed class ClusterInputLimitsTests(PortalWithFleet world) : IClassFixture<PortalWithFleet>
{
    private readonly HttpClient _bob = world.Portal.ApiClient("bob");

    [Fact]
    public async Task PostClusters_Refused400NamingTheZoneAndItsLimit_WhenTheZoneHas200Characters()
    {
        var sim = world.Cluster("staging-hangzhou-01");

        using var response = await _bob.RegisterAsync(sim.Name, world.Fleet.Kubeconfig(sim.Name), sim.Environment, sim.Region, zone: new string('z', 200));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400 but got {(int)response.StatusCode}: {text}");
        Assert.Contains("Cluster zone is longer than 63 characters", text);
        Assert.Null(await _bob.GetClusterAsync(sim.Name));
    }

    [Fact]
    public async Task PatchClusters_Refused400NamingTheZone_WhenARegisteredClusterGetsA200CharacterZone()
    {
        var sim = world.Cluster("prod-shanghai-01");
        await _bob.RegisterAsync(world.Fleet, sim);

        using var response = await _bob.PatchAsync($"/api/v1/clusters/{sim.Name}", System.Net.Http.Json.JsonContent.Create(new { zone = new string('z', 200) }));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400 but got {(int)response.StatusCode}: {text}");
        Assert.Contains("Cluster zone is longer than 63 characters", text);
        Assert.Equal(sim.Zone, (await _bob.GetClusterAsync(sim.Name))!["summary"]!["zone"]?.GetValue<string>());
    }
}
