using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Kubernetes;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Clusters;

public sealed record SyncOutcome(string Cluster, ClusterStatus Status, int NodesTotal, int NodesReady, string? Error);

/// <summary>
/// Reads each cluster's version and nodes and records them. Clusters are synced side by side with a deadline each,
/// so one slow or unreachable cluster is marked with its error and holds up nobody else.
/// </summary>
public sealed class InventorySync(
    IDbContextFactory<PortalDbContext> dbFactory,
    IClusterClient clusters,
    KubeconfigProtector protector,
    FleetNotifier notifier,
    IOptions<PortalOptions> options,
    TimeProvider time,
    ILogger<InventorySync> log)
{
    private readonly PortalOptions _options = options.Value;

    /// <summary>The first key of the two-key advisory locks that serialise syncs of one cluster.</summary>
    private const int SyncLockSpace = 0x5359_4E43; // "SYNC"

    public async Task<IReadOnlyList<SyncOutcome>> SyncAllAsync(CancellationToken ct)
    {
        List<Guid> ids;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            ids = await db.Clusters.OrderBy(c => c.Name).Select(c => c.Id).ToListAsync(ct);

        var outcomes = new SyncOutcome?[ids.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Count),
            new ParallelOptions { MaxDegreeOfParallelism = _options.SyncParallelism, CancellationToken = ct },
            async (i, token) =>
            {
                try { outcomes[i] = await SyncClusterAsync(ids[i], token); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One cluster's bad luck (a database hiccup while saving it) must not end the fleet's sync.
                    log.LogError(e, "Inventory sync of cluster {ClusterId} could not be recorded", ids[i]);
                }
            });
        return outcomes.OfType<SyncOutcome>().ToList();
    }

    /// <summary>Syncs one cluster; null if it was removed meanwhile. Never throws for a cluster's own failure.</summary>
    public async Task<SyncOutcome?> SyncClusterAsync(Guid clusterId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // One sync per cluster at a time ("Sync now" during the recurring sync): the second waits, then re-reads.
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({SyncLockSpace}, hashtext({clusterId.ToString()}))", ct);
        var cluster = await db.Clusters.SingleOrDefaultAsync(c => c.Id == clusterId, ct);
        if (cluster is null) return null;

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_options.ClusterSyncTimeout);
        SyncOutcome outcome;
        try
        {
            var target = new ClusterTarget(cluster.Id, cluster.Name, protector.Unprotect(cluster.EncryptedKubeconfig), cluster.KubeconfigContext);
            var probe = await clusters.ProbeAsync(target, deadline.Token);
            var nodes = await ListAllNodesAsync(target, deadline.Token);
            await ApplyNodesAsync(db, cluster, nodes, ct);
            var ready = nodes.Count(n => n.Ready);
            Record(cluster, ClusterRules.StatusFromSync(true, nodes.Count, ready), nodes.Count, ready, error: null);
            cluster.KubernetesVersion = probe.KubernetesVersion;
            cluster.ApiLatencyMs = (int)probe.Latency.TotalMilliseconds;
            outcome = new SyncOutcome(cluster.Name, cluster.Status, nodes.Count, ready, null);
        }
        catch (Exception e) when (e is ClusterCallException or KubeconfigException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            var error = e is OperationCanceledException
                ? $"{cluster.Name}: the sync took longer than {_options.ClusterSyncTimeout.TotalSeconds:0} s and was abandoned."
                : e.Message;
            log.LogWarning("Inventory sync of {Cluster} failed: {Error}", cluster.Name, error);
            db.ChangeTracker.Clear();
            db.Attach(cluster);
            // Keep the last known nodes: they are the best information we have while the cluster is unreachable.
            Record(cluster, ClusterStatus.Unreachable, cluster.NodesTotal, cluster.NodesReady, error);
            outcome = new SyncOutcome(cluster.Name, ClusterStatus.Unreachable, cluster.NodesTotal, cluster.NodesReady, error);
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await notifier.PublishClusterSyncedAsync(cluster.Name, ct);
        return outcome;
    }

    private void Record(Cluster cluster, ClusterStatus status, int total, int ready, string? error)
    {
        cluster.Status = status;
        cluster.NodesTotal = total;
        cluster.NodesReady = ready;
        cluster.LastError = error;
        cluster.LastSyncAt = time.GetUtcNow();
        cluster.HealthRank = ClusterRules.HealthRank(status, total, ready);
    }

    private async Task<List<ClusterNode>> ListAllNodesAsync(ClusterTarget target, CancellationToken ct)
    {
        var nodes = new List<ClusterNode>();
        string? continueToken = null;
        do
        {
            var page = await clusters.ListNodesAsync(target, _options.NodePageSize, continueToken, ct);
            nodes.AddRange(page.Nodes);
            continueToken = page.ContinueToken;
        } while (continueToken is not null);
        return nodes;
    }

    /// <summary>Writes only what changed: a steady fleet costs a read per cluster, not a rewrite of every node.</summary>
    private async Task ApplyNodesAsync(PortalDbContext db, Cluster cluster, List<ClusterNode> observed, CancellationToken ct)
    {
        var known = await db.Nodes.Where(n => n.ClusterId == cluster.Id).ToDictionaryAsync(n => n.Name, ct);
        var now = time.GetUtcNow();
        foreach (var node in observed)
        {
            if (!known.Remove(node.Name, out var row))
            {
                db.Nodes.Add(row = new Node { ClusterId = cluster.Id, Name = node.Name, SyncedAt = now });
            }
            else if (Same(row, node))
            {
                continue;
            }
            row.Pool = node.Pool;
            row.Ready = node.Ready;
            row.Schedulable = node.Schedulable;
            row.KubeletVersion = node.KubeletVersion;
            row.Conditions = node.Conditions.ToList();
            row.Labels = new Dictionary<string, string>(node.Labels);
            row.SyncedAt = now;
        }
        db.Nodes.RemoveRange(known.Values);
    }

    private static bool Same(Node row, ClusterNode node) =>
        row.Pool == node.Pool && row.Ready == node.Ready && row.Schedulable == node.Schedulable && row.KubeletVersion == node.KubeletVersion
        && row.Conditions.SequenceEqual(node.Conditions)
        && row.Labels.Count == node.Labels.Count && row.Labels.All(l => node.Labels.TryGetValue(l.Key, out var v) && v == l.Value);
}
