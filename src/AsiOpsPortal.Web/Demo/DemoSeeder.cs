using System.Text.Json;
using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Clusters;
using AsiOpsPortal.Web.Infrastructure;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Demo;

/// <summary>
/// Demo mode, the one entry point: the five demo users, their API tokens on disk, FleetSim's clusters registered, a few
/// components, the "balanced" scheduler policy, the demo pipelines over that fleet and the defender installed on it.
/// Re-runs keep what exists.
/// </summary>
public sealed class DemoSeeder(
    IOptions<DemoOptions> options,
    UserAdminService users,
    ApiTokenService tokens,
    ClusterService clusters,
    DemoCatalog catalog,
    SchedulerDemoSeeder scheduler,
    PipelineDemoSeeder pipelines,
    DefenderDemoSeeder defender,
    IDbContextFactory<PortalDbContext> dbFactory,
    IBackgroundJobClient jobs,
    ILogger<DemoSeeder> log)
{
    public static readonly Actor DemoActor = Actor.System("demo-seed");

    public static readonly IReadOnlyList<(string Name, string Password, string Role)> Users =
    [
        ("alice", "Alice-demo-1", Roles.Developer),
        ("bob", "Bob-demo-1", Roles.Sre),
        ("carol", "Carol-demo-1", Roles.Sre),
        ("dave", "Dave-demo-1", Roles.Viewer),
        ("admin", "Admin-demo-1", Roles.Admin),
    ];

    private sealed record FleetEntry(string Name, string Environment, string Region, string Zone, int Tier, string KubeconfigPath);

    public async Task SeedAsync(CancellationToken ct = default)
    {
        var demo = options.Value;
        foreach (var (name, password, role) in Users)
            await users.EnsureUserAsync(name, char.ToUpperInvariant(name[0]) + name[1..], password, role);
        if (!string.IsNullOrEmpty(demo.TokensFile)) await WriteTokensAsync(demo.TokensFile, ct);
        if (!string.IsNullOrEmpty(demo.FleetFile)) await RegisterFleetAsync(demo.FleetFile, ct);
        await catalog.SeedAsync(DemoActor, ct);
        await scheduler.SeedAsync(ct);
        // Last: a demo pipeline names the fleet's clusters and ends with the scheduler policy.
        await pipelines.SeedAsync(ct);
        await defender.SeedAsync(ct);
    }

    /// <summary>Keeps each user's token from the file while it still works; mints a new one otherwise.</summary>
    private async Task WriteTokensAsync(string path, CancellationToken ct)
    {
        var existing = File.Exists(path)
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(path, ct)) ?? []
            : [];
        var result = new Dictionary<string, string>();
        foreach (var (name, _, role) in Users)
        {
            if (existing.TryGetValue(name, out var token) && await tokens.AuthenticateAsync(token, ct) is { } principal && principal.Identity?.Name == name)
                result[name] = token;
            else
                result[name] = (await tokens.CreateAsync(new Actor(name, role), "demo", expiresInDays: null, ct)).Token;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }), ct);
    }

    private async Task RegisterFleetAsync(string fleetFile, CancellationToken ct)
    {
        if (!File.Exists(fleetFile))
        {
            log.LogWarning("Demo fleet file {File} not found; no clusters registered", fleetFile);
            return;
        }
        var fleet = JsonSerializer.Deserialize<List<FleetEntry>>(await File.ReadAllTextAsync(fleetFile, ct), JsonSerializerOptions.Web) ?? [];
        HashSet<string> known;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            known = (await db.Clusters.Select(c => c.Name).ToListAsync(ct)).ToHashSet();
        foreach (var entry in fleet.Where(e => !known.Contains(e.Name)))
        {
            try
            {
                var kubeconfig = await File.ReadAllTextAsync(Path.Combine(Path.GetDirectoryName(fleetFile)!, Path.GetFileName(entry.KubeconfigPath)), ct);
                await clusters.RegisterAsync(new ClusterRegistration(entry.Name, kubeconfig, null, entry.Environment, entry.Region, entry.Zone, entry.Tier,
                    new Dictionary<string, string> { ["fleet"] = "demo" }), DemoActor, ct);
            }
            catch (Exception e) when (e is ValidationFailedException or ConflictException or IOException)
            {
                log.LogWarning("Demo cluster {Cluster} not registered: {Error}", entry.Name, e.Message);
            }
        }
        jobs.Enqueue<InventorySyncJob>(job => job.SyncAllAsync(CancellationToken.None));
    }
}
