extern alias fleetsim;

using System.Net;
using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Tests.Shared.Hosting;
using AsiOpsPortal.Web.Demo;
using AsiOpsPortal.Web.Pipelines;
using fleetsim::AsiOpsPortal.FleetSim;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.IntegrationTests.Pipelines;

/// <summary>The portal started in demo mode, as scripts/run.sh starts it: FleetSim's fleet.json registered, then the demo pipeline seeded.</summary>
public sealed class DemoPortal : IAsyncLifetime
{
    private readonly string _kubeconfigs = Path.Combine(Path.GetTempPath(), $"asiops-demo-{Guid.NewGuid():N}");

    public FleetSimulator Fleet { get; private set; } = null!;
    public PortalFactory Portal { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Fleet = await FleetSimulator.StartAsync(new FleetSimOptions { Port = 0, Fleet = "demo", KubeconfigDirectory = _kubeconfigs });
        Portal = await PortalFactory.CreateAsync("integrationdemopipeline", new Dictionary<string, string>
        {
            ["Demo:Enabled"] = "true",
            ["Demo:FleetFile"] = Path.Combine(_kubeconfigs, "fleet.json"),
        });
    }

    public async Task DisposeAsync()
    {
        if (Portal is not null) await Portal.DisposeAsync();
        if (Fleet is not null) await Fleet.DisposeAsync();
        if (Directory.Exists(_kubeconfigs)) Directory.Delete(_kubeconfigs, recursive: true);
    }
}

public sealed class DemoPipelineTests(DemoPortal demo) : IClassFixture<DemoPortal>
{
    [Fact]
    public async Task DemoMode_SeedsAStandardPipelineThatPlansTheWholeDemoFleet()
    {
        var plan = await (await demo.Portal.ApiClient("dave").GetAsync("/api/v1/pipelines/standard/plan")).ExpectJsonAsync(HttpStatusCode.OK, "planning 'standard'");

        var waves = plan["waves"]!.AsArray().Select(w => (Name: w!["name"]!.GetValue<string>(), Clusters: w["clusters"]!.AsArray().Select(c => c!.GetValue<string>()).ToList(),
            Canary: w["canary"]!.GetValue<bool>())).ToList();
        Assert.Equal(["canary", "staging", "prod-canary", "prod", "prod-tier0"], waves.Select(w => w.Name));
        Assert.Equal(demo.Fleet.Clusters.Count, waves.Sum(w => w.Clusters.Count));
        Assert.Empty(plan["unplanned"]!.AsArray());
        Assert.All(waves[0].Clusters, c => Assert.StartsWith("test-", c));
        Assert.True(waves[0].Canary);
        Assert.All(waves[1].Clusters, c => Assert.StartsWith("staging-", c));
        var prodCanary = Assert.Single(waves[2].Clusters);
        Assert.Equal(1, demo.Fleet.Clusters.Single(c => c.Name == prodCanary).Tier);
        Assert.DoesNotContain(prodCanary, waves[3].Clusters);
        Assert.All(waves[3].Clusters, c => Assert.Equal(1, demo.Fleet.Clusters.Single(s => s.Name == c).Tier));
        Assert.Equal(demo.Fleet.Clusters.Where(c => c.Tier == 0).Select(c => c.Name).Order(), waves[4].Clusters);
    }

    [Fact]
    public async Task DemoMode_SeedsCanaryThenBalanced_WhosePolicyPlansEveryClusterTheCanariesLeave()
    {
        var plan = await (await demo.Portal.ApiClient("dave").GetAsync($"/api/v1/pipelines/{PipelineDemoSeeder.StandardThenBalancedName}/plan"))
            .ExpectJsonAsync(HttpStatusCode.OK, "planning 'standard-then-balanced'");

        var waves = plan["waves"]!.AsArray().Select(w => (Name: w!["name"]!.GetValue<string>(), Clusters: w["clusters"]!.AsArray().Select(c => c!.GetValue<string>()).ToList())).ToList();
        Assert.Equal(["canary", "prod-canary"], waves.Take(2).Select(w => w.Name));
        Assert.NotEmpty(waves.Skip(2));
        Assert.All(waves.Skip(2), w => Assert.StartsWith("policy balanced · ", w.Name));
        // Every cluster once: in a fixed wave, in a policy wave, or left out by the policy (e.g. not synced yet).
        var placed = waves.SelectMany(w => w.Clusters).Concat(plan["unplanned"]!.AsArray().Select(c => c!.GetValue<string>())).ToList();
        Assert.Equal(demo.Fleet.Clusters.Select(c => c.Name).Order(), placed.Order());
    }

    [Fact]
    public async Task DemoPipeline_PassesTheDefaultRiskRules_WithWarningsOnly()
    {
        var alice = demo.Portal.ApiClient("alice");
        await alice.CreateComponentAsync("web-demo-risk", "web-demo-risk", ("1.0", "nginx:1.26"));

        using var response = await alice.ProposeAsync("web to the demo fleet", "web-demo-risk", "1.0", PipelineDemoSeeder.Name);
        var change = await response.ExpectJsonAsync(HttpStatusCode.Created, "proposing along 'standard'");

        Assert.All(change["findings"]!.AsArray(), f => Assert.Equal("warning", f!["severity"]!.GetValue<string>()));
        // Tier-0 clusters make it critical: two SREs and an Admin.
        Assert.Equal("critical", change["riskLevel"]!.GetValue<string>());
    }

    [Fact]
    public async Task DemoSeed_LeavesThePipelineAsPeopleEditedIt_WhenRunAgain()
    {
        var bob = demo.Portal.ApiClient("bob");
        var yaml = await bob.GetStringAsync("/api/v1/pipelines/standard?format=yaml");
        using (var edited = await bob.PutAsync("/api/v1/pipelines/standard",
                   new StringContent(yaml.Replace("description: Test clusters first", "description: Edited. Test clusters first"), System.Text.Encoding.UTF8, "application/yaml")))
            await edited.ExpectJsonAsync(HttpStatusCode.OK, "editing the demo pipeline");

        await demo.Portal.Services.GetRequiredService<PipelineDemoSeeder>().SeedAsync();

        var document = await (await bob.GetAsync("/api/v1/pipelines/standard")).ExpectJsonAsync(HttpStatusCode.OK, "reading 'standard'");
        Assert.StartsWith("Edited.", document["description"]!.GetValue<string>());
        JsonArray created = await bob.AuditAsync(AuditActions.PipelineCreated);
        Assert.Single(created, e => e!["target"]!.GetValue<string>() == "pipeline/standard");
    }
}
