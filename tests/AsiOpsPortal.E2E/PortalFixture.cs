extern alias fleetsim;

using System.Net.Http.Headers;
using System.Text.Json;
using fleetsim::AsiOpsPortal.FleetSim;
using AsiOpsPortal.Tests.Shared.Hosting;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Clusters;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.E2E;

[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalFixture>
{
    public const string Name = "portal in a browser";
}

/// <summary>
/// FleetSim's demo fleet, the real portal on a loopback port with that fleet registered and synced, and one Chromium.
/// Shared by every browser test: each journey opens its own browser context, so no cookies leak between people.
/// </summary>
public sealed class PortalFixture : IAsyncLifetime
{
    /// <summary>Arranges what the journeys start from (the fleet, a pipeline, a policy): the fixture, not a person.</summary>
    public static readonly Actor Actor = Actor.System("e2e");

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private FleetSimulator? _fleet;
    private PortalFactory? _portal;

    // Chromium, the portal and FleetSim share two cores here: allow a cluster call more than the shared factory's 3 s.
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Clusters:Client:RequestTimeout"] = "00:00:15",
        ["Portal:ClusterSyncTimeout"] = "00:00:30",
    };

    public FleetSimulator Fleet => _fleet ?? throw NotStarted();
    public PortalFactory Portal => _portal ?? throw NotStarted();
    public IBrowser Browser => _browser ?? throw NotStarted();

    public async Task InitializeAsync()
    {
        // Before anything slow: a missing browser should fail in a second, not after the portal has started.
        // (xunit calls DisposeAsync even when this throws, so a half-started fixture is cleaned up too.)
        Chromium.ExecutablePath();
        _fleet = await FleetSimulator.StartAsync(new FleetSimOptions { Port = 0, Fleet = "demo" });
        _portal = await PortalFactory.CreateAsync("e2e browser journeys", Settings, kestrel: true);
        await RegisterFleetAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    private async Task RegisterFleetAsync()
    {
        var clusters = Portal.Services.GetRequiredService<ClusterService>();
        foreach (var c in Fleet.Clusters)
        {
            await clusters.RegisterAsync(
                new ClusterRegistration(c.Name, Fleet.Kubeconfig(c.Name), null, c.Environment, c.Region, c.Zone, c.Tier, null), Actor);
        }
        // RegisterAsync queues each cluster's first sync on Hangfire. Two first syncs of one cluster at once collide on
        // the new node rows (duplicate key), so let the queued ones finish before syncing the whole fleet ourselves.
        await WaitUntilAsync(async () =>
        {
            await using var db = Portal.Db.CreateContext();
            return !await db.Clusters.AnyAsync(c => c.LastSyncAt == null);
        }, TimeSpan.FromSeconds(30), "every registered cluster's first sync");
        await Portal.Services.GetRequiredService<InventorySync>().SyncAllAsync(CancellationToken.None);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; past <paramref name="limit"/> the fixture fails, naming <paramref name="what"/>.</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit, string what)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Waited {limit.TotalSeconds:0} s for {what}.");
            await Task.Delay(100);
        }
    }

    /// <summary>Clears FleetSim's faults on <paramref name="cluster"/> and syncs it, so later journeys see the fleet as it started.</summary>
    public async Task HealAsync(string cluster)
    {
        Fleet.SetFault(cluster, SimFault.None);
        Guid id;
        await using (var db = Portal.Db.CreateContext())
            id = await db.Clusters.Where(c => c.Name == cluster).Select(c => c.Id).SingleAsync();
        await Portal.Services.GetRequiredService<InventorySync>().SyncClusterAsync(id, CancellationToken.None);
    }

    /// <summary>The node names FleetSim itself serves for <paramref name="cluster"/>: the truth the portal's page should show.</summary>
    public async Task<IReadOnlyList<string>> NodeNamesAsync(string cluster)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Fleet.Token(cluster));
        using var list = JsonDocument.Parse(await http.GetStringAsync($"{Fleet.ServerUrl(cluster)}/api/v1/nodes"));
        return list.RootElement.GetProperty("items").EnumerateArray()
            .Select(n => n.GetProperty("metadata").GetProperty("name").GetString()!)
            .ToList();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        if (_portal is not null) await _portal.DisposeAsync();
        if (_fleet is not null) await _fleet.DisposeAsync();
    }

    private static InvalidOperationException NotStarted() => new("The portal fixture has not started.");
}
