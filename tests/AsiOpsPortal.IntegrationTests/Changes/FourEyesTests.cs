using System.Net;
using System.Net.Http.Json;
using AsiOpsPortal.IntegrationTests.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Changes;

/// <summary>Four eyes: whoever wrote a change (proposed or edited it) never passes it, on real PostgreSQL, Hangfire and FleetSim.</summary>
public sealed class FourEyesTests(RolloutWorld world) : IClassFixture<RolloutWorld>
{
    private readonly HttpClient _alice = world.Portal.ApiClient("alice");
    private readonly HttpClient _bob = world.Portal.ApiClient("bob");
    private readonly HttpClient _carol = world.Portal.ApiClient("carol");

    [Fact]
    public async Task Review_RefusesAnSreWhoEditedSomeoneElsesChange_SoOnePersonCannotWriteAndPassIt()
    {
        string[] clusters = ["test-hangzhou-01"];
        await world.RegisterAsync(clusters);
        await _alice.CreateComponentAsync("web-4eyes", "web-4eyes", ("1.0", "nginx:1.26"), ("1.1", "nginx:1.27"));
        await _bob.CreatePipelineAsync("4eyes-path", ChangeApi.Wave("test", clusters));
        var id = await _alice.ProposeOkAsync("web 1.0 to test", "web-4eyes", "1.0", "4eyes-path");
        Assert.Equal(1, (await _alice.GetChangeAsync(id))["requiredApprovals"]!.GetValue<int>());

        using (var edited = await _bob.PutAsJsonAsync($"/api/v1/changes/{id}", new
               { title = "web 1.1 to test", reason = "newer", rollbackPlan = "roll back", component = "web-4eyes", version = "1.1", pipeline = "4eyes-path" }))
            Assert.Equal(["bob"], (await edited.ExpectJsonAsync(HttpStatusCode.OK, "bob's edit"))["editedBy"]!.AsArray().Select(e => e!.GetValue<string>()));

        using (var own = await _bob.ReviewAsync(id, "approve", "mine now"))
        {
            Assert.Equal(HttpStatusCode.Conflict, own.StatusCode);
            Assert.Contains("You edited this change", await own.Content.ReadAsStringAsync());
        }
        Assert.Equal("PendingApproval", (await _alice.GetChangeAsync(id))["status"]!.GetValue<string>());
        Assert.Null(await world.Fleet.DeploymentImageAsync(clusters[0], "web-4eyes", "web-4eyes"));

        await _carol.ApproveOkAsync(id);
        await _bob.WaitForStatusAsync(id, "Succeeded");
        Assert.Equal("nginx:1.27", await world.Fleet.DeploymentImageAsync(clusters[0], "web-4eyes", "web-4eyes"));
    }
}
