using System.Net;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Web.Demo;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.IntegrationTests.Catalog;

/// <summary>The demo's components: absent outside demo mode, seeded once however often the demo restarts.</summary>
public sealed class DemoCatalogTests(PortalOnly fixture) : IClassFixture<PortalOnly>
{
    [Fact]
    public async Task DemoCatalog_SeedsTwoComponentsWithTwoVersionsOnce_WhenTheDemoStartsTwice()
    {
        var dave = fixture.Portal.ApiClient("dave");
        var before = await (await dave.GetAsync("/api/v1/components")).ExpectJsonAsync(HttpStatusCode.OK, "listing before seeding");
        Assert.Equal(0, before["total"]!.GetValue<int>());

        var demo = fixture.Portal.Services.GetRequiredService<DemoCatalog>();
        await demo.SeedAsync(DemoSeeder.DemoActor);
        await demo.SeedAsync(DemoSeeder.DemoActor);

        var list = await (await dave.GetAsync("/api/v1/components")).ExpectJsonAsync(HttpStatusCode.OK, "listing after seeding");
        Assert.Equal(
            [("node-agent", "1.8.2", 2), ("web-frontend", "1.27.3", 2)],
            list["items"]!.AsArray().Select(c => (c!["name"]!.GetValue<string>(), c["latestVersion"]!.GetValue<string>(), c["versions"]!.GetValue<int>())));
        var diff = await (await dave.GetAsync("/api/v1/components/web-frontend/diff")).ExpectJsonAsync(HttpStatusCode.OK, "diffing the demo versions");
        Assert.Equal("+4 \u22122 across ConfigMap web-config, Deployment web", diff["diff"]!["summary"]!.GetValue<string>());
        var agent = await (await dave.GetAsync("/api/v1/components/node-agent/versions/1.8.2")).ExpectJsonAsync(HttpStatusCode.OK, "reading node-agent 1.8.2");
        Assert.Equal("DaemonSet", Assert.Single(agent["objects"]!.AsArray())!["kind"]!.GetValue<string>());
        Assert.Equal("quay.io/prometheus/node-exporter:v1.8.2", Assert.Single(agent["images"]!.AsArray())!.GetValue<string>());
    }
}
