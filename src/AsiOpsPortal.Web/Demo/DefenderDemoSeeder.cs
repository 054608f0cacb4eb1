using System.Net.Http.Json;
using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Changes;
using AsiOpsPortal.Web.Defender;
using AsiOpsPortal.Web.Defender.Admission;
using AsiOpsPortal.Web.Infrastructure;
using AsiOpsPortal.Web.Risk;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Demo;

/// <summary>
/// Demo mode, when the defender's webhook listener is configured: each demo cluster's API server gets its webhook token
/// (FleetSim's admin API stands for its admission configuration), the defender is installed on every demo cluster by an
/// ordinary change that the demo's SREs and Admin approve, and one shadow budget gives the page something to show. FleetSim
/// keeps nothing between runs: clusters that hold no token for the portal get one, and the install again.
/// </summary>
public sealed class DefenderDemoSeeder(
    DefenderInstaller installer,
    DefenderClusterKeys keys,
    DefenderService defender,
    ChangeReviews reviews,
    IDbContextFactory<PortalDbContext> dbFactory,
    IHttpClientFactory http,
    IOptions<DefenderOptions> options,
    ILogger<DefenderDemoSeeder> log)
{
    private const string ShadowBudget = "prod-pod-deletes";

    /// <summary>Who approves the seeded install, in turn, until it starts: as many as its risk level asks for.</summary>
    private static readonly Actor[] Approvers = [new("bob", Roles.Sre), new("carol", Roles.Sre), new("admin", Roles.Admin)];

    private static readonly TimeSpan FleetSimTimeout = TimeSpan.FromSeconds(10);

    public async Task SeedAsync(CancellationToken ct = default)
    {
        if (!installer.CanInstall)
        {
            log.LogInformation("No defender webhook listener configured (Defender:WebhookListen); the demo clusters are not connected to the defender");
            return;
        }
        List<(string Name, string ApiEndpoint)> fleet;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            fleet = (await db.Clusters.AsNoTracking().Select(c => new { c.Name, c.ApiEndpoint, c.Labels }).ToListAsync(ct))
                .Where(c => c.Labels.GetValueOrDefault("fleet") == "demo").Select(c => (c.Name, c.ApiEndpoint)).OrderBy(c => c.Name).ToList();

        var connected = new List<string>();
        foreach (var (name, endpoint) in fleet)
        {
            if (await ConnectAsync(name, endpoint, ct)) connected.Add(name);
        }
        // A cluster that had no token for the portal is new to the defender, or FleetSim started afresh and forgot what was applied.
        if (connected.Count > 0) await InstallAsync(connected, ct);
        if ((await defender.ListAsync(ct)).All(b => b.Name != ShadowBudget))
            await defender.CreateAsync(new BudgetRequest(ShadowBudget, new BudgetScopeRequest(["prod"], null, null, null), ["pods"],
                [DefenderVerbs.Delete, DefenderVerbs.Eviction], new() { ["1m"] = 5, ["1h"] = 60 }, new BreakerRequest(false, 0), "shadow"), DemoSeeder.DemoActor, ct);
    }

    /// <summary>Gives the cluster's API server a new webhook token, unless FleetSim already holds one for the portal's webhook; true when it did.</summary>
    private async Task<bool> ConnectAsync(string cluster, string apiEndpoint, CancellationToken ct)
    {
        // A FleetSim cluster's address is https://{fleetsim}/clusters/NAME; its admin API is plain HTTP on the same port, under /admin.
        var address = new UriBuilder(apiEndpoint);
        var suffix = $"/clusters/{cluster}";
        if (!address.Path.TrimEnd('/').EndsWith(suffix, StringComparison.Ordinal))
        {
            log.LogWarning("Demo cluster {Cluster} is not a FleetSim cluster ({Endpoint}); its webhook token is not set", cluster, apiEndpoint);
            return false;
        }
        address.Scheme = Uri.UriSchemeHttp;
        address.Path = address.Path.TrimEnd('/')[..^suffix.Length] + $"/admin{suffix}/webhook-credentials";
        var credentials = address.Uri;
        var server = new Uri(options.Value.WebhookBaseUrl).Authority;
        using var client = http.CreateClient();
        client.Timeout = FleetSimTimeout;
        try
        {
            var known = await client.GetFromJsonAsync<WebhookServers>(credentials, ct);
            if (known?.Servers.Contains(server, StringComparer.OrdinalIgnoreCase) == true) return false;
            var token = await keys.IssueAsync(cluster, DemoSeeder.DemoActor, ct);
            using var response = await client.PutAsJsonAsync(credentials, new[] { new { server, token } }, ct);
            response.EnsureSuccessStatusCode();
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            log.LogWarning("Demo cluster {Cluster}: FleetSim did not take its webhook token: {Error}", cluster, e.Message);
            return false;
        }
    }

    private async Task InstallAsync(IReadOnlyList<string> clusters, CancellationToken ct)
    {
        try
        {
            var proposed = await installer.ProposeInstallAsync(clusters, DemoSeeder.DemoActor, ct);
            foreach (var approver in Approvers)
            {
                var change = await reviews.ReviewAsync(proposed.ChangeId, new ReviewRequest("approve", "Demo: the defender goes live on the demo fleet."), approver, ct);
                if (change.Status != ChangeViewText.Of(ChangeStatus.PendingApproval)) break;
            }
            log.LogInformation("Defender {Version} is being installed on {Count} demo clusters by change #{Change}", proposed.Version, clusters.Count, proposed.ChangeId);
        }
        catch (Exception e) when (e is ValidationFailedException or ConflictException or RiskBlockedException)
        {
            // The demo starts anyway; the change list or the Defender page shows what is left to do.
            log.LogWarning("The defender was not installed on the demo clusters: {Error}", e.Message);
        }
    }

    private sealed record WebhookServers(List<string> Servers);
}
