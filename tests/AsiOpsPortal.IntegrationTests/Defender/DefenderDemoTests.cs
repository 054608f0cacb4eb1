extern alias fleetsim;

using System.Net;
using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Tests.Shared.Hosting;
using AsiOpsPortal.Web.Demo;
using fleetsim::AsiOpsPortal.FleetSim;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.IntegrationTests.Defender;

/// <summary>The portal in demo mode with a webhook listener configured, as scripts/run.sh starts it.</summary>
public sealed class DefenderDemoPortal : IAsyncLifetime
{
    private readonly string _kubeconfigs = Path.Combine(Path.GetTempPath(), $"asiops-defender-demo-{Guid.NewGuid():N}");

    public FleetSimulator Fleet { get; private set; } = null!;
    public PortalFactory Portal { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Fleet = await FleetSimulator.StartAsync(new FleetSimOptions { Port = 0, Fleet = "demo", KubeconfigDirectory = _kubeconfigs, ConvergenceDelay = TimeSpan.FromMilliseconds(200) });
        Portal = await PortalFactory.CreateAsync("integrationdefenderdemo", new Dictionary<string, string>(DefenderWebhook.Settings)
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

public sealed class DefenderDemoTests(DefenderDemoPortal demo) : IClassFixture<DefenderDemoPortal>
{
    private readonly HttpClient _dave = demo.Portal.ApiClient("dave");

    private async Task<List<JsonNode>> DefenderChangesAsync()
    {
        using var response = await _dave.GetAsync("/api/v1/changes?limit=200");
        var changes = (await response.ExpectJsonAsync(HttpStatusCode.OK, "listing changes"))["items"]!.AsArray();
        return changes.Select(c => c!).Where(c => c["title"]!.GetValue<string>().StartsWith("Install asiops-defender ", StringComparison.Ordinal)).ToList();
    }

    /// <summary>The demo clusters the portal registered (a big one may time out on a busy machine; the demo carries on without it).</summary>
    private async Task<List<string>> RegisteredAsync()
    {
        using var response = await _dave.GetAsync("/api/v1/clusters?pageSize=500");
        var clusters = (await response.ExpectJsonAsync(HttpStatusCode.OK, "listing clusters"))["items"]!.AsArray();
        var names = clusters.Select(c => c!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(names);
        return names;
    }

    [Fact]
    public async Task DemoSeed_InstallsTheDefenderOnEveryDemoCluster_ThroughAChangeTheDemoReviewersApproved()
    {
        var id = Assert.Single(await DefenderChangesAsync())["id"]!.GetValue<long>();

        var change = await _dave.WaitForStatusAsync(id, "Succeeded", TimeSpan.FromMinutes(3));

        Assert.Equal(["admin", "bob", "carol"], change["approvals"]!.AsArray().Select(a => a!["approver"]!.GetValue<string>()).Order());
        var registered = await RegisteredAsync();
        Assert.Equal(registered, ChangeApi.StepStatuses(change).Keys.Order(StringComparer.Ordinal));
        foreach (var cluster in registered)
        {
            var urls = await DefenderWebhook.UrlsOnAsync(demo.Fleet, cluster);
            Assert.Equal(3, urls.Count);
            Assert.All(urls, url => Assert.Equal($"https://127.0.0.1:5443/admission/v1/defender/{cluster}", url));
            var credentials = await demo.Fleet.GetAdminJsonAsync($"/admin/clusters/{cluster}/webhook-credentials");
            Assert.Equal(["127.0.0.1:5443"], credentials["servers"]!.AsArray().Select(s => s!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task DemoSeed_RunAgain_ProposesNoSecondInstall_AndIssuesNoNewTokens()
    {
        var bob = demo.Portal.ApiClient("bob");
        var issued = (await bob.AuditAsync(AuditActions.DefenderClusterKeyIssued)).Count;

        await demo.Portal.Services.GetRequiredService<DefenderDemoSeeder>().SeedAsync();

        Assert.Equal((await RegisteredAsync()).Count, issued);
        Assert.Equal(issued, (await bob.AuditAsync(AuditActions.DefenderClusterKeyIssued)).Count);
        Assert.Single(await DefenderChangesAsync());
        using var budgets = await _dave.GetAsync("/api/v1/defender/budgets");
        var budget = Assert.Single((await budgets.ExpectJsonAsync(HttpStatusCode.OK, "listing budgets"))["items"]!.AsArray());
        Assert.Equal(("prod-pod-deletes", "shadow"), (budget!["name"]!.GetValue<string>(), budget["mode"]!.GetValue<string>()));
    }
}
