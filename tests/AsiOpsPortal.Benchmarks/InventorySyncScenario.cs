extern alias fleetsim;

using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Tests.Shared.Hosting;
using AsiOpsPortal.Web.Clusters;
using fleetsim::AsiOpsPortal.FleetSim;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.Benchmarks;

/// <summary>
/// InventorySync.SyncAllAsync over 1,000 FleetSim clusters of 100 nodes, first (every node new) and steady (nothing
/// changed), against the same fleet listed with plain HttpClient GETs and no database.
/// </summary>
public sealed class InventorySyncScenario : IScenario
{
    public string Name => "inventory-sync-1k";
    public string Description => "InventorySync.SyncAllAsync over 1,000 FleetSim clusters x 100 nodes vs raw HTTP listing";

    private sealed record Size(int Clusters, int NodesPerCluster);

    // The portal as deployed: the client's default rate limit and timeouts, not the shared test factory's faster ones.
    // No Hangfire workers, so nothing but the measured call syncs.
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Portal:RunWorkers"] = "false",
        ["Clusters:Client:Qps"] = "5",
        ["Clusters:Client:Burst"] = "10",
        ["Clusters:Client:RequestTimeout"] = "00:00:10",
        ["Portal:ClusterSyncTimeout"] = "00:01:00",
    };

    public async Task RunAsync(Scale scale, Figures figures)
    {
        var size = scale == Scale.Full ? new Size(1_000, 100) : new Size(20, 10);
        var nodes = size.Clusters * size.NodesPerCluster;
        Figures.Note($"{Name}: FleetSim with {size.Clusters:N0} light clusters of {size.NodesPerCluster} nodes, and the portal");
        await using var fleet = await FleetSimulator.StartAsync(new FleetSimOptions
        {
            Port = 0, Fleet = "light", LightClusters = size.Clusters, LightNodesPerCluster = size.NodesPerCluster,
        });
        await using var portal = await PortalFactory.CreateAsync("bench inventory sync 1k", Settings);
        await BenchFleet.RegisterAsync(fleet, portal);
        var sync = portal.Services.GetRequiredService<InventorySync>();
        var parallelism = portal.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AsiOpsPortal.Web.Infrastructure.PortalOptions>>().Value.SyncParallelism;

        // FleetSim builds a cluster's state on its first request: pay that once, outside both measurements.
        Figures.Note($"{Name}: raw HTTP listing (warm-up, then measured)");
        await ListWithHttpAsync(fleet, parallelism);
        var raw = await TimeAsync(() => ListWithHttpAsync(fleet, parallelism));

        Figures.Note($"{Name}: first sync (every node is new)");
        using var memory = new WorkingSetSampler();
        var before = memory.Current;
        var first = await TimeAsync(async () => Check(await sync.SyncAllAsync(CancellationToken.None), size));
        var peakDuringSync = memory.Stop();
        await using (var db = portal.Db.CreateContext())
        {
            var stored = await db.Nodes.CountAsync();
            if (stored != nodes) throw new InvalidOperationException($"The sync stored {stored} nodes; FleetSim serves {nodes}.");
        }

        Figures.Note($"{Name}: second sync (nothing changed)");
        var steady = await TimeAsync(async () => Check(await sync.SyncAllAsync(CancellationToken.None), size));

        figures.Add("wall", first.TotalSeconds, "s", "<= 30");
        figures.Add("nodes_per_s", nodes / first.TotalSeconds, "nodes/s");
        figures.Add("peak_working_set", Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, "MB");
        figures.Add("sync_working_set_growth", (peakDuringSync - before) / 1048576.0, "MB");
        figures.Add("raw_http_wall", raw.TotalSeconds, "s");
        figures.Add("wall_over_raw_http", first / raw, "ratio");
        figures.Add("steady_wall", steady.TotalSeconds, "s", "<= 30");
        figures.Add("steady_wall_over_raw_http", steady / raw, "ratio");
    }

    private static void Check(IReadOnlyList<SyncOutcome> outcomes, Size size)
    {
        var failed = outcomes.Where(o => o.Status != ClusterStatus.Healthy || o.NodesTotal != size.NodesPerCluster).ToList();
        if (outcomes.Count != size.Clusters || failed.Count > 0)
            throw new InvalidOperationException($"{outcomes.Count} clusters synced, {failed.Count} not healthy; first: {failed.FirstOrDefault()}");
    }

    /// <summary>The floor under any sync: each cluster's version and every page of its nodes, parsed, with the sync's parallelism.</summary>
    private static async Task ListWithHttpAsync(FleetSimulator fleet, int parallelism)
    {
        using var http = new HttpClient();
        var listed = 0;
        await Parallel.ForEachAsync(fleet.Clusters, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (cluster, ct) =>
        {
            var server = fleet.ServerUrl(cluster.Name);
            var token = new AuthenticationHeaderValue("Bearer", fleet.Token(cluster.Name));
            using (var version = await GetJsonAsync(http, $"{server}/version", token, ct)) _ = version.RootElement.GetProperty("gitVersion").GetString();
            string? next = null;
            do
            {
                var url = $"{server}/api/v1/nodes?limit=500" + (next is null ? "" : $"&continue={Uri.EscapeDataString(next)}");
                using var page = await GetJsonAsync(http, url, token, ct);
                Interlocked.Add(ref listed, page.RootElement.GetProperty("items").GetArrayLength());
                next = page.RootElement.GetProperty("metadata").TryGetProperty("continue", out var c) && c.GetString() is { Length: > 0 } value ? value : null;
            } while (next is not null);
        });
        var expected = fleet.Clusters.Sum(c => c.NodeCount);
        if (listed != expected) throw new InvalidOperationException($"Listed {listed} nodes over HTTP; FleetSim has {expected}.");
    }

    private static async Task<JsonDocument> GetJsonAsync(HttpClient http, string url, AuthenticationHeaderValue token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = token;
        using var response = await http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        return await JsonDocument.ParseAsync(body, cancellationToken: ct);
    }

    private static async Task<TimeSpan> TimeAsync(Func<Task> operation)
    {
        var watch = Stopwatch.StartNew();
        await operation();
        return watch.Elapsed;
    }
}
