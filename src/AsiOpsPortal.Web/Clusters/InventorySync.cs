using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Kubernetes;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace AsiOpsPortal.Web.Clusters;

public sealed record SyncOutcome(string Cluster, ClusterStatus Status, int NodesTotal, int NodesReady, string? Error);

/// <summary>
/// Reads each cluster's version and nodes and records them. Clusters are synced side by side with a deadline each,
/// so one slow or unreachable cluster is marked with its error and holds up nobody else.
/// </summary>
public sealed class InventorySync(
    IDbContextFactory<PortalDbContext> dbFactory,
    IClusterClient clusters,
    ClusterTargets targets,
    AuditedWrite write,
    LiveUpdates liveUpdates,
    IOptions<PortalOptions> options,
    TimeProvider time,
    ILogger<InventorySync> log)
{
    private readonly PortalOptions _options = options.Value;

    /// <summary>The first key of the two-key advisory locks that serialise syncs of one cluster.</summary>
    private const int SyncLockSpace = 0x5359_4E43; // "SYNC"

    private static readonly Actor SyncActor = Actor.System("inventory-sync");

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
        SyncOutcome? outcome = null;
        // What a sync finds is state, not anyone's decision: it audits nothing, but writes in one transaction the one way.
        await write.RunAsync(db, SyncActor, async _ =>
        {
            // One sync per cluster at a time ("Sync now" during the recurring sync): the second waits, then re-reads.
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({SyncLockSpace}, hashtext({clusterId.ToString()}))", ct);
            if (await db.Clusters.SingleOrDefaultAsync(c => c.Id == clusterId, ct) is { } cluster)
                outcome = await SyncAsync(db, cluster, ct);
        }, ct);
        if (outcome is not null) await liveUpdates.PublishClusterSyncedAsync(outcome.Cluster, ct);
        return outcome;
    }

    /// <summary>Reads the cluster and records what it found (or that it could not be reached) on the tracked rows; the caller saves.</summary>
    private async Task<SyncOutcome> SyncAsync(PortalDbContext db, Cluster cluster, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_options.ClusterSyncTimeout);
        try
        {
            var target = targets.For(cluster);
            var probe = await clusters.ProbeAsync(target, deadline.Token);
            var nodes = await ListAllNodesAsync(target, deadline.Token);
            await ApplyNodesAsync(db, cluster, nodes, ct);
            await CheckDriftAsync(db, cluster, target, deadline.Token);
            var ready = nodes.Count(n => n.Ready);
            Record(cluster, ClusterRules.StatusFromSync(true, nodes.Count, ready), nodes.Count, ready, error: null);
            cluster.KubernetesVersion = probe.KubernetesVersion;
            cluster.ApiLatencyMs = (int)probe.Latency.TotalMilliseconds;
            return new SyncOutcome(cluster.Name, cluster.Status, nodes.Count, ready, null);
        }
        catch (Exception e) when (e is ClusterCallException or KubeconfigException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            var error = e is OperationCanceledException
                ? $"{cluster.Name}: the sync took longer than {_options.ClusterSyncTimeout.TotalSeconds:0} s and was abandoned."
                : e.Message;
            // With the exception: the recorded error says only "could not reach", the log keeps the socket's own words.
            log.LogWarning(e, "Inventory sync of {Cluster} failed: {Error}", cluster.Name, error);
            db.ChangeTracker.Clear();
            db.Attach(cluster);
            // Keep the last known nodes: they are the best information we have while the cluster is unreachable.
            Record(cluster, ClusterStatus.Unreachable, cluster.NodesTotal, cluster.NodesReady, error);
            return new SyncOutcome(cluster.Name, ClusterStatus.Unreachable, cluster.NodesTotal, cluster.NodesReady, error);
        }
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

    /// <summary>
    /// For each component the cluster runs (as the last successful apply recorded), reads its workloads back and records
    /// what no longer matches, so the catalog can flag drift.
    /// </summary>
    private async Task CheckDriftAsync(PortalDbContext db, Cluster cluster, ClusterTarget target, CancellationToken ct)
    {
        var releases = await db.ClusterReleases.Where(r => r.ClusterId == cluster.Id).ToListAsync(ct);
        foreach (var release in releases)
        {
            var version = await db.ComponentVersions.AsNoTracking().Where(v => v.Id == release.VersionId)
                .Select(v => new { v.Manifests, Namespace = db.Components.Where(c => c.Id == v.ComponentId).Select(c => c.Namespace).Single() })
                .SingleOrDefaultAsync(ct);
            if (version is null) continue;
            var differences = new List<string>();
            foreach (var desired in DriftRules.Checked(Manifests.Parse(version.Manifests).Select(o => o.WithNamespace(version.Namespace).ForCluster(cluster.Name))))
            {
                if (DriftRules.Describe(desired, await clusters.GetObjectAsync(target, desired.Ref, ct)) is { } difference)
                    differences.Add(difference);
            }
            release.Drift = differences.Count == 0 ? null : string.Join("; ", differences);
            release.DriftCheckedAt = time.GetUtcNow();
        }
    }

    /// <summary>
    /// Writes only what changed: a steady fleet costs one narrow read per cluster (names and fingerprints), new nodes
    /// arrive by binary COPY, changed ones are rewritten by id and vanished ones deleted, all in the sync's transaction.
    /// </summary>
    private async Task ApplyNodesAsync(PortalDbContext db, Cluster cluster, List<ClusterNode> observed, CancellationToken ct)
    {
        // Project in SQL: ToDictionaryAsync's selectors alone would run on whole tracked rows.
        var known = await db.Nodes.Where(n => n.ClusterId == cluster.Id)
            .Select(n => new { n.Name, n.Id, n.Fingerprint })
            .ToDictionaryAsync(n => n.Name, n => (n.Id, n.Fingerprint), ct);
        var now = time.GetUtcNow();
        var added = new List<Node>();
        foreach (var node in observed)
        {
            var row = ToRow(cluster.Id, node, now);
            if (!known.Remove(node.Name, out var stored))
            {
                added.Add(row);
            }
            else if (stored.Fingerprint != row.Fingerprint)
            {
                row.Id = stored.Id;
                db.Nodes.Update(row);
            }
        }

        if (known.Count > 0)
        {
            var vanished = known.Keys.ToList();
            await db.Nodes.Where(n => n.ClusterId == cluster.Id && vanished.Contains(n.Name)).ExecuteDeleteAsync(ct);
        }
        if (added.Count > 0) await CopyNodesAsync(db, added, ct);
    }

    private static Node ToRow(Guid clusterId, ClusterNode node, DateTimeOffset now) => new()
    {
        ClusterId = clusterId,
        Name = node.Name,
        Pool = node.Pool,
        Ready = node.Ready,
        Schedulable = node.Schedulable,
        KubeletVersion = node.KubeletVersion,
        Conditions = node.Conditions.ToList(),
        Labels = new Dictionary<string, string>(node.Labels),
        Fingerprint = NodeRules.Fingerprint(node.Pool, node.Ready, node.Schedulable, node.KubeletVersion, node.Conditions, node.Labels),
        SyncedAt = now,
    };

    /// <summary>Binary COPY on the context's connection, so it joins the sync's transaction: far cheaper than INSERTs for a new cluster.</summary>
    private static async Task CopyNodesAsync(PortalDbContext db, List<Node> rows, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var import = await connection.BeginBinaryImportAsync(
            """COPY nodes ("ClusterId", "Name", "Pool", "Ready", "Schedulable", "KubeletVersion", "Conditions", "Labels", "Fingerprint", "SyncedAt") FROM STDIN (FORMAT BINARY)""", ct);
        foreach (var row in rows)
        {
            await import.StartRowAsync(ct);
            await import.WriteAsync(row.ClusterId, NpgsqlDbType.Uuid, ct);
            await import.WriteAsync(row.Name, NpgsqlDbType.Text, ct);
            await import.WriteAsync(row.Pool, NpgsqlDbType.Text, ct);
            await import.WriteAsync(row.Ready, NpgsqlDbType.Boolean, ct);
            await import.WriteAsync(row.Schedulable, NpgsqlDbType.Boolean, ct);
            await import.WriteAsync(row.KubeletVersion, NpgsqlDbType.Text, ct);
            await import.WriteAsync(JsonColumn.Serialize(row.Conditions), NpgsqlDbType.Jsonb, ct);
            await import.WriteAsync(JsonColumn.Serialize(row.Labels), NpgsqlDbType.Jsonb, ct);
            await import.WriteAsync(row.Fingerprint, NpgsqlDbType.Bigint, ct);
            await import.WriteAsync(row.SyncedAt, NpgsqlDbType.TimestampTz, ct);
        }
        await import.CompleteAsync(ct);
    }
}
