extern alias fleetsim;

using System.Net;
using AsiOpsPortal.Core.Clusters;
using fleetsim::AsiOpsPortal.FleetSim;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Web.Clusters;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AsiOpsPortal.IntegrationTests.Clusters;

/// <summary>InventorySync against FleetSim clusters that are healthy, down, slow or sick.</summary>
public sealed class InventorySyncTests(PortalWithFleet world) : IClassFixture<PortalWithFleet>
{
    private readonly HttpClient _bob = world.Portal.ApiClient("bob");
    private InventorySync Sync => world.Portal.Services.GetRequiredService<InventorySync>();

    [Fact]
    public async Task SyncAllAsync_MarksOnlyFaultyClustersUnreachable_WhenOneIsDownAndOneIsSlowerThanTheRequestTimeout()
    {
        var healthy = world.Cluster("prod-hangzhou-02");
        var down = world.Cluster("prod-hangzhou-03");
        var slow = world.Cluster("prod-beijing-02");
        foreach (var sim in new[] { healthy, down, slow })
        {
            await _bob.RegisterAsync(world.Fleet, sim);
            await _bob.WaitForSyncAsync(sim.Name);
        }
        try
        {
            world.Fleet.SetFault(down.Name, new SimFault { Unreachable = true });
            // Far beyond Clusters:Client:RequestTimeout (3 s) and Portal:ClusterSyncTimeout (5 s).
            world.Fleet.SetFault(slow.Name, new SimFault { Latency = TimeSpan.FromSeconds(60) });

            var outcomes = await Eventually.WithinAsync(Sync.SyncAllAsync(CancellationToken.None), TimeSpan.FromSeconds(30),
                "SyncAllAsync with one unreachable and one slow cluster");

            var byName = outcomes.ToDictionary(o => o.Cluster);
            Assert.Equal(ClusterStatus.Healthy, byName[healthy.Name].Status);
            Assert.Equal(ClusterStatus.Unreachable, byName[down.Name].Status);
            Assert.Equal(ClusterStatus.Unreachable, byName[slow.Name].Status);

            var healthyRow = (await _bob.GetClusterAsync(healthy.Name))!["summary"]!;
            Assert.Equal("Healthy", healthyRow["status"]!.GetValue<string>());
            Assert.Equal(healthy.NodeCount, healthyRow["nodesTotal"]!.GetValue<int>());
            Assert.Null(healthyRow["lastError"]?.GetValue<string>());

            var downError = await AssertUnreachableAsync(down);
            var slowError = await AssertUnreachableAsync(slow);
            // A dead server and a silent one read alike: recorded errors must not tell port states apart.
            Assert.Matches(@"could not reach the API server at 127\.0\.0\.1:\d+\.", downError);
            Assert.Equal(downError.Replace(down.Name, "CLUSTER"), slowError.Replace(slow.Name, "CLUSTER"));
        }
        finally
        {
            world.Fleet.SetFault(down.Name, SimFault.None);
            world.Fleet.SetFault(slow.Name, SimFault.None);
        }
    }

    [Fact]
    public async Task SyncClusterJob_MarksClusterDegraded_WhenFleetSimReportsNotReadyNodes()
    {
        var sim = world.Cluster("staging-shanghai-01");
        await _bob.RegisterAsync(world.Fleet, sim);
        var first = PortalApi.SyncedAt(await _bob.WaitForSyncAsync(sim.Name))!.Value;
        try
        {
            world.Fleet.SetFault(sim.Name, new SimFault { NotReadyNodes = 2 });

            using (var sync = await _bob.PostAsync($"/api/v1/clusters/{sim.Name}/sync", null))
                Assert.Equal(HttpStatusCode.Accepted, sync.StatusCode);
            var cluster = (await _bob.WaitForSyncAsync(sim.Name, after: first))["summary"]!;

            Assert.Equal("Degraded", cluster["status"]!.GetValue<string>());
            Assert.Equal(sim.NodeCount, cluster["nodesTotal"]!.GetValue<int>());
            Assert.Equal(sim.NodeCount - 2, cluster["nodesReady"]!.GetValue<int>());
            Assert.Equal($"2 of {sim.NodeCount} nodes NotReady", cluster["health"]!.GetValue<string>());
            var notReady = await (await _bob.GetAsync($"/api/v1/clusters/{sim.Name}/nodes?ready=false")).ExpectJsonAsync(HttpStatusCode.OK, "listing NotReady nodes");
            Assert.Equal(2, notReady["total"]!.GetValue<int>());
        }
        finally
        {
            world.Fleet.SetFault(sim.Name, SimFault.None);
        }
    }

    [Fact]
    public async Task SyncClusterAsync_SucceedsForBoth_WhenTwoSyncsOfTheSameClusterOverlap()
    {
        // What happens when an SRE presses "Sync now" while the scheduled sync of the same cluster is running.
        var sim = world.Cluster("staging-beijing-01");
        await _bob.RegisterAsync(world.Fleet, sim);
        await _bob.WaitForSyncAsync(sim.Name);
        Guid id;
        await using (var db = world.Portal.Db.CreateContext())
            id = await db.Clusters.Where(c => c.Name == sim.Name).Select(c => c.Id).SingleAsync();
        await ForgetNodesAsync(id); // as before a first sync, when every node is new

        // Hold writes to nodes until both syncs have read what is there, so they overlap on every run, not by luck.
        await using var gate = new NpgsqlConnection(world.Portal.Db.ConnectionString);
        await gate.OpenAsync();
        await using var hold = await gate.BeginTransactionAsync();
        await using (var lockNodes = new NpgsqlCommand("LOCK TABLE nodes IN SHARE MODE", gate, hold))
            await lockNodes.ExecuteNonQueryAsync();
        var first = Sync.SyncClusterAsync(id, CancellationToken.None);
        var second = Sync.SyncClusterAsync(id, CancellationToken.None);
        await Eventually.UntilAsync(async () => first.IsCompleted || second.IsCompleted || await SessionsWaitingOnLocksAsync() >= 2,
            overlapping => overlapping, "both syncs to reach their write (or one to step aside)");
        await hold.CommitAsync();

        var both = await Eventually.WithinAsync(Task.WhenAll(first, second), TimeSpan.FromSeconds(30), "two overlapping syncs");

        // Neither may fail; one may step aside for the other (null), but what is recorded must be whole.
        Assert.All(both.OfType<SyncOutcome>(), outcome => Assert.Equal(ClusterStatus.Healthy, outcome.Status));
        await using var check = world.Portal.Db.CreateContext();
        Assert.Equal(sim.NodeCount, await check.Nodes.CountAsync(n => n.ClusterId == id));
        Assert.Equal(ClusterStatus.Healthy, await check.Clusters.Where(c => c.Id == id).Select(c => c.Status).SingleAsync());
    }

    [Fact]
    public async Task SyncClusterAsync_RewritesOnlyChangedNodes_AndDropsVanishedOnes()
    {
        var sim = world.Cluster("test-shanghai-03");
        await _bob.RegisterAsync(world.Fleet, sim);
        await _bob.WaitForSyncAsync(sim.Name);
        Guid id;
        Dictionary<string, (long Id, DateTimeOffset SyncedAt)> before;
        await using (var db = world.Portal.Db.CreateContext())
        {
            id = await db.Clusters.Where(c => c.Name == sim.Name).Select(c => c.Id).SingleAsync();
            before = await db.Nodes.Where(n => n.ClusterId == id).ToDictionaryAsync(n => n.Name, n => (n.Id, n.SyncedAt));
        }
        var names = before.Keys.Order(StringComparer.Ordinal).ToList();
        var (gone, relabelled) = (names[0], names[1]);
        await world.Fleet.DeleteNodeAsync(sim.Name, gone);
        await world.Fleet.LabelNodeAsync(sim.Name, relabelled, "asiops.io/pool", "relabelled-pool");

        var outcome = await Sync.SyncClusterAsync(id, CancellationToken.None);

        Assert.Equal(sim.NodeCount - 1, outcome!.NodesTotal);
        await using var check = world.Portal.Db.CreateContext();
        var after = await check.Nodes.Where(n => n.ClusterId == id).ToDictionaryAsync(n => n.Name);
        Assert.DoesNotContain(gone, after.Keys);
        Assert.Equal(sim.NodeCount - 1, after.Count);
        var changed = after[relabelled];
        Assert.Equal("relabelled-pool", changed.Pool);
        Assert.Equal("relabelled-pool", changed.Labels["asiops.io/pool"]);
        Assert.Equal(before[relabelled].Id, changed.Id);
        Assert.True(changed.SyncedAt > before[relabelled].SyncedAt, "The relabelled node was not rewritten.");
        // Everything else is untouched: same row, same sync time (a steady fleet costs a read, not a rewrite).
        Assert.All(after.Values.Where(n => n.Name != relabelled), n => Assert.Equal(before[n.Name], (n.Id, n.SyncedAt)));
        Assert.All(after.Values, n => Assert.Equal(
            NodeRules.Fingerprint(n.Pool, n.Ready, n.Schedulable, n.KubeletVersion, n.Conditions, n.Labels), n.Fingerprint));
    }

    private async Task<string> AssertUnreachableAsync(SimClusterInfo sim)
    {
        var row = (await _bob.GetClusterAsync(sim.Name))!["summary"]!;
        Assert.Equal("Unreachable", row["status"]!.GetValue<string>());
        var error = row["lastError"]?.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(error), $"{sim.Name} is Unreachable without a LastError.");
        // Readable: names the cluster, one sentence or two, no exception type names or stack frames.
        Assert.StartsWith(sim.Name, error);
        Assert.DoesNotContain("Exception", error);
        Assert.DoesNotContain("   at ", error);
        Assert.True(error.Length < 400, $"LastError is too long to read: {error}");
        Assert.StartsWith("Unreachable: ", row["health"]!.GetValue<string>());
        // The last known nodes stay: they are the best information while the cluster cannot be reached.
        Assert.Equal(sim.NodeCount, row["nodesTotal"]!.GetValue<int>());
        return error;
    }

    private async Task<long> SessionsWaitingOnLocksAsync()
    {
        await using var connection = new NpgsqlConnection(world.Portal.Db.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private async Task ForgetNodesAsync(Guid clusterId)
    {
        await using var connection = new NpgsqlConnection(world.Portal.Db.ConnectionString);
        await connection.OpenAsync();
        await using var delete = new NpgsqlCommand("""DELETE FROM nodes WHERE "ClusterId" = @id""", connection);
        delete.Parameters.AddWithValue("id", clusterId);
        await delete.ExecuteNonQueryAsync();
    }
}
