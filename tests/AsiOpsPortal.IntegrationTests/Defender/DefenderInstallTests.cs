extern alias fleetsim;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Catalog;
using AsiOpsPortal.Web.Defender;
using fleetsim::AsiOpsPortal.FleetSim;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.IntegrationTests.Defender;

/// <summary>The base URL the installed webhook configurations name; nothing listens there in these tests.</summary>
internal static class DefenderWebhook
{
    public const string BaseUrl = "https://127.0.0.1:5443";

    public static readonly IReadOnlyDictionary<string, string> Settings = new Dictionary<string, string> { ["Defender:WebhookUrl"] = BaseUrl };

    /// <summary>The webhook URLs of the asiops-defender configuration on a FleetSim cluster, read over plain HTTP; empty when it is not there.</summary>
    public static async Task<IReadOnlyList<string>> UrlsOnAsync(FleetSimulator fleet, string cluster)
    {
        var configuration = await fleet.GetJsonAsync(cluster, "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/asiops-defender");
        return configuration?["webhooks"]!.AsArray().Select(w => w!["clientConfig"]!["url"]!.GetValue<string>()).ToList() ?? [];
    }
}

public sealed class DefenderInstallPortal() : PortalWithFleet("integrationdefenderinstall", DefenderWebhook.Settings);

/// <summary>Installing the defender through the change engine, on a real portal, PostgreSQL and FleetSim.</summary>
public sealed class DefenderInstallTests(DefenderInstallPortal fixture) : IClassFixture<DefenderInstallPortal>
{
    private readonly HttpClient _admin = fixture.Portal.ApiClient("admin");
    private DefenderInstaller Installer => fixture.Portal.Services.GetRequiredService<DefenderInstaller>();

    [Fact]
    public async Task Install_RollsOutLikeAnyChange_AndEachClusterCallsTheWebhookUnderItsOwnName()
    {
        string[] clusters = ["prod-hangzhou-02", "test-hangzhou-01", "staging-hangzhou-01"];
        await fixture.RegisterAsync(clusters);

        using var response = await _admin.PostAsJsonAsync("/api/v1/defender/install", new { clusters });
        var proposed = await response.ExpectJsonAsync(HttpStatusCode.Created, "proposing the install");
        var id = proposed["changeId"]!.GetValue<long>();
        Assert.Equal(["test-hangzhou-01", "staging-hangzhou-01", "prod-hangzhou-02"], proposed["clusters"]!.AsArray().Select(c => c!.GetValue<string>()));
        var change = await _admin.GetChangeAsync(id);
        Assert.Equal("PendingApproval", change["status"]!.GetValue<string>());
        Assert.Empty(await DefenderWebhook.UrlsOnAsync(fixture.Fleet, "test-hangzhou-01"));

        await fixture.Portal.ApiClient("bob").ApproveOkAsync(id);
        await fixture.Portal.ApiClient("carol").ApproveOkAsync(id);
        await _admin.WaitForStatusAsync(id, "Succeeded");

        foreach (var cluster in clusters)
        {
            var urls = await DefenderWebhook.UrlsOnAsync(fixture.Fleet, cluster);
            Assert.Equal(3, urls.Count);
            Assert.All(urls, url => Assert.Equal($"{DefenderWebhook.BaseUrl}/admission/v1/defender/{cluster}", url));
        }
        var version = proposed["version"]!.GetValue<string>();
        var connected = (await Installer.ClustersAsync()).Where(c => clusters.Contains(c.Name)).ToList();
        Assert.Equal(3, connected.Count);
        Assert.All(connected, c => Assert.Equal(version, c.Version));
    }

    [Fact]
    public async Task EnsureVersion_AddsNoVersion_WhenNothingChanged()
    {
        var actor = Actor.System("test");
        var first = await Installer.EnsureVersionAsync(actor);

        var second = await Installer.EnsureVersionAsync(actor);

        Assert.Equal(first, second);
        var component = await fixture.Portal.Services.GetRequiredService<CatalogService>().GetAsync(DefenderComponent.Name);
        Assert.Equal([first], component!.Versions.Select(v => v.Version));
        Assert.Equal(DefenderComponent.Namespace, component.Namespace);
    }

    [Fact]
    public async Task Install_NamesTheUnknownCluster_AndProposesNothing()
    {
        var proposedBefore = (await _admin.AuditAsync(AuditActions.ChangeProposed)).Count;

        using var response = await _admin.PostAsJsonAsync("/api/v1/defender/install", new { clusters = new[] { "no-such-cluster" } });

        var problem = (await response.ExpectJsonAsync(HttpStatusCode.BadRequest, "installing on an unknown cluster")).ToJsonString();
        Assert.Contains("clusters: no registered cluster is named", problem);
        Assert.Contains("no-such-cluster", problem);
        Assert.Equal(proposedBefore, (await _admin.AuditAsync(AuditActions.ChangeProposed)).Count);
    }
}

/// <summary>Without a webhook listener there is nothing for clusters to call: installing is refused, clearly.</summary>
public sealed class DefenderInstallWithoutListenerTests(PortalOnly fixture) : IClassFixture<PortalOnly>
{
    [Fact]
    public async Task Install_IsRefused_WhenNoWebhookListenerIsConfigured()
    {
        using var response = await fixture.Portal.ApiClient("admin").PostAsJsonAsync("/api/v1/defender/install", new { });

        var problem = await response.ExpectJsonAsync(HttpStatusCode.Conflict, "installing without a listener");
        Assert.Contains("Defender:WebhookListen", problem.ToJsonString());
    }
}
