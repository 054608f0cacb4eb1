using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Kubernetes;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Infrastructure;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Clusters;

/// <summary>The cluster registry: register (after contacting the cluster), edit, remove, and the fleet's read views.</summary>
public sealed class ClusterService(
    IDbContextFactory<PortalDbContext> dbFactory,
    IClusterClient clusters,
    KubeconfigProtector protector,
    AuditLog auditLog,
    AuditedWrite write,
    IBackgroundJobClient jobs,
    TimeProvider time,
    ILogger<ClusterService> log)
{
    public const int MaxPageSize = 500;

    /// <summary>The contexts a pasted kubeconfig offers, for the registration form's picker.</summary>
    public static IReadOnlyList<Kubeconfig.Context> ReadContexts(string kubeconfig)
    {
        try { return Kubeconfig.ListContexts(kubeconfig); }
        catch (KubeconfigException e) { throw new ValidationFailedException([e.Message]); }
    }

    public async Task<ClusterDetails> RegisterAsync(ClusterRegistration registration, Actor actor, CancellationToken ct = default)
    {
        var name = (registration.Name ?? "").Trim();
        var labels = registration.Labels ?? [];
        var errors = ClusterRules.Validate(name, registration.Environment, registration.Region, registration.Tier, labels).ToList();
        Kubeconfig.Context? resolved = null;
        try { resolved = Kubeconfig.Resolve(registration.Kubeconfig, registration.Context); }
        catch (KubeconfigException e) { errors.Add(e.Message); }
        if (errors.Count > 0) throw new ValidationFailedException(errors);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Clusters.AnyAsync(c => c.Name == name, ct))
            throw new ConflictException($"A cluster named '{name}' is already registered.");

        // Contact the cluster before saving anything: a registry of clusters we cannot reach helps nobody. The client checks
        // the server's address (Portal:ClusterAddresses) at every connection, this first one included.
        var context = resolved!.Name;
        var target = new ClusterTarget(Guid.NewGuid(), name, registration.Kubeconfig, context);
        ClusterProbe probe;
        try
        {
            probe = await clusters.ProbeAsync(target, ct);
            await clusters.ListNodesAsync(target, 1, null, ct);
        }
        catch (ClusterCallException e)
        {
            // The person sees one message for every way of not reaching the server; the socket's words are for operators.
            log.LogWarning(e, "Registering cluster {Cluster} failed: {Error}", name, e.Message);
            clusters.Forget(target.ClusterId);
            throw new ValidationFailedException([$"The portal could not use this cluster, so nothing was saved. {e.Message}"]);
        }

        var cluster = new Cluster
        {
            Id = target.ClusterId,
            Name = name,
            ApiEndpoint = resolved.Server,
            Environment = registration.Environment,
            Region = registration.Region,
            Zone = registration.Zone?.Trim() ?? "",
            Tier = registration.Tier,
            Labels = labels,
            EncryptedKubeconfig = protector.Protect(registration.Kubeconfig),
            KubeconfigContext = context,
            KubernetesVersion = probe.KubernetesVersion,
            ApiLatencyMs = (int)probe.Latency.TotalMilliseconds,
            CreatedAt = time.GetUtcNow(),
        };
        await write.RunAsync(db, actor, async audit =>
        {
            db.Clusters.Add(cluster);
            await audit.RecordAsync(AuditActions.ClusterRegistered, $"cluster/{name}",
                $"endpoint={cluster.ApiEndpoint} context={context} env={cluster.Environment} region={cluster.Region} tier={cluster.Tier}");
        }, ct);
        jobs.Enqueue<InventorySyncJob>(job => job.SyncClusterAsync(cluster.Id, CancellationToken.None));
        return ToDetails(cluster);
    }

    public async Task<ClusterDetails> UpdateAsync(string name, ClusterMetadataUpdate update, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cluster = await FindAsync(db, name, ct);
        var environment = update.Environment ?? cluster.Environment;
        var region = update.Region ?? cluster.Region;
        var tier = update.Tier ?? cluster.Tier;
        var labels = update.Labels ?? cluster.Labels;
        var errors = ClusterRules.Validate(cluster.Name, environment, region, tier, labels);
        if (errors.Count > 0) throw new ValidationFailedException(errors);

        var before = Describe(cluster);
        cluster.Environment = environment;
        cluster.Region = region;
        cluster.Zone = update.Zone?.Trim() ?? cluster.Zone;
        cluster.Tier = tier;
        cluster.Labels = new Dictionary<string, string>(labels);
        await write.RunAsync(db, actor, audit => audit.RecordAsync(AuditActions.ClusterUpdated, $"cluster/{cluster.Name}", $"before: {before}; after: {Describe(cluster)}"), ct);
        return ToDetails(cluster);
    }

    public async Task RemoveAsync(string name, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cluster = await FindAsync(db, name, ct);
        await write.RunAsync(db, actor, async audit =>
        {
            db.Clusters.Remove(cluster);
            await audit.RecordAsync(AuditActions.ClusterRemoved, $"cluster/{cluster.Name}", Describe(cluster));
        }, ct);
        clusters.Forget(cluster.Id);
    }

    public async Task RequestSyncAsync(string name, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var id = await db.Clusters.Where(c => c.Name == name).Select(c => (Guid?)c.Id).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException($"No cluster named '{name}'.");
        await auditLog.RecordAsync(actor.Name, AuditActions.ClusterSyncRequested, $"cluster/{name}", ct: ct);
        jobs.Enqueue<InventorySyncJob>(job => job.SyncClusterAsync(id, CancellationToken.None));
    }

    public async Task<ClusterPage> QueryAsync(ClusterQuery query, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var staleBefore = now - ClusterRules.StaleAfter;
        var filtered = Filter(db.Clusters.AsNoTracking(), query);
        var total = await filtered.CountAsync(ct);
        var pageSize = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var rows = await Sort(filtered, query, staleBefore)
            .Skip(Paging.Skip(query.Page, pageSize)).Take(pageSize)
            .ToListAsync(ct);
        return new ClusterPage(rows.Select(c => ToSummary(c, now)).ToList(), total);
    }

    public async Task<ClusterDetails?> GetAsync(string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cluster = await db.Clusters.AsNoTracking().SingleOrDefaultAsync(c => c.Name == name, ct);
        return cluster is null ? null : ToDetails(cluster);
    }

    public async Task<NodePageView> NodesAsync(string name, NodeQuery query, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var clusterId = await db.Clusters.Where(c => c.Name == name).Select(c => (Guid?)c.Id).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException($"No cluster named '{name}'.");
        var nodes = db.Nodes.AsNoTracking().Where(n => n.ClusterId == clusterId);
        if (query.Ready is { } ready) nodes = nodes.Where(n => n.Ready == ready);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var pattern = $"%{AuditService.EscapeLike(query.Search.Trim())}%";
            nodes = nodes.Where(n => EF.Functions.ILike(n.Name, pattern, "\\") || EF.Functions.ILike(n.Pool, pattern, "\\"));
        }
        var pageSize = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var total = await nodes.CountAsync(ct);
        // NotReady nodes first: they are what someone opening this page is looking for.
        var items = await nodes.OrderBy(n => n.Ready).ThenBy(n => n.Name)
            .Skip(Paging.Skip(query.Page, pageSize)).Take(pageSize)
            .ToListAsync(ct);
        return new NodePageView(items.Select(n => new NodeRow(n.Name, n.Pool, n.Ready, n.Schedulable, n.KubeletVersion, n.Conditions, n.Labels)).ToList(), total);
    }

    public async Task<FleetOverview> OverviewAsync(int troubleLimit = 10, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var staleBefore = now - ClusterRules.StaleAfter;
        var rows = await db.Clusters.AsNoTracking()
            .Select(c => new
            {
                c.Environment, c.Region, c.Tier, c.Status, c.NodesTotal, c.NodesReady,
                Stale = c.LastSyncAt == null || c.LastSyncAt < staleBefore,
            })
            .ToListAsync(ct);
        bool InTrouble(ClusterStatus status, bool stale) => status is ClusterStatus.Unreachable or ClusterStatus.Degraded || stale;

        IReadOnlyList<FleetSlice> Slices<TKey>(Func<(string Environment, string Region, int Tier), TKey> keyOf, Func<TKey, string> label, IComparer<TKey>? order = null) =>
            rows.GroupBy(r => keyOf((r.Environment, r.Region, r.Tier)))
                .OrderBy(g => g.Key, order ?? Comparer<TKey>.Default)
                .Select(g => new FleetSlice(label(g.Key), g.Count(), g.Count(r => InTrouble(r.Status, r.Stale)), g.Sum(r => r.NodesTotal), g.Sum(r => r.NodesReady)))
                .ToList();

        var environmentOrder = Comparer<string>.Create((a, b) => EnvironmentIndex(a).CompareTo(EnvironmentIndex(b)));
        var trouble = await QueryAsync(new ClusterQuery(PageSize: troubleLimit), ct);
        return new FleetOverview(
            rows.Count,
            rows.Count(r => r.Status == ClusterStatus.Unreachable),
            rows.Count(r => r.Status == ClusterStatus.Degraded),
            rows.Count(r => r.Stale && r.Status != ClusterStatus.Unreachable),
            rows.Sum(r => r.NodesTotal),
            rows.Sum(r => r.NodesReady),
            Slices(k => k.Environment, k => k, environmentOrder),
            Slices(k => k.Region, k => k),
            Slices(k => k.Tier, k => $"tier {k}"),
            trouble.Items.Where(c => c.InTrouble).ToList());
    }

    private static int EnvironmentIndex(string environment)
    {
        var index = ClusterRules.Environments.ToList().IndexOf(environment);
        return index < 0 ? int.MaxValue : index;
    }

    private static IQueryable<Cluster> Filter(IQueryable<Cluster> clusters, ClusterQuery query)
    {
        if (!string.IsNullOrWhiteSpace(query.Environment)) clusters = clusters.Where(c => c.Environment == query.Environment);
        if (!string.IsNullOrWhiteSpace(query.Region)) clusters = clusters.Where(c => c.Region == query.Region);
        if (query.Tier is { } tier) clusters = clusters.Where(c => c.Tier == tier);
        if (query.Status is { } status) clusters = clusters.Where(c => c.Status == status);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var pattern = $"%{AuditService.EscapeLike(query.Search.Trim())}%";
            clusters = clusters.Where(c => EF.Functions.ILike(c.Name, pattern, "\\") || EF.Functions.ILike(c.Region, pattern, "\\")
                || EF.Functions.ILike(c.Zone, pattern, "\\") || EF.Functions.ILike(c.Environment, pattern, "\\"));
        }
        return clusters;
    }

    private static IQueryable<Cluster> Sort(IQueryable<Cluster> clusters, ClusterQuery query, DateTimeOffset staleBefore)
    {
        var d = query.Descending;
        IOrderedQueryable<Cluster> sorted = query.Sort switch
        {
            ClusterSort.Name => d ? clusters.OrderByDescending(c => c.Name) : clusters.OrderBy(c => c.Name),
            ClusterSort.Environment => d ? clusters.OrderByDescending(c => c.Environment) : clusters.OrderBy(c => c.Environment),
            ClusterSort.Region => d ? clusters.OrderByDescending(c => c.Region) : clusters.OrderBy(c => c.Region),
            ClusterSort.Tier => d ? clusters.OrderByDescending(c => c.Tier) : clusters.OrderBy(c => c.Tier),
            ClusterSort.Nodes => d ? clusters.OrderByDescending(c => c.NodesTotal) : clusters.OrderBy(c => c.NodesTotal),
            ClusterSort.LastSync => d ? clusters.OrderByDescending(c => c.LastSyncAt) : clusters.OrderBy(c => c.LastSyncAt),
            // A stale sync is trouble too: rank it just after degraded clusters.
            _ => d
                ? clusters.OrderByDescending(c => c.LastSyncAt == null || c.LastSyncAt < staleBefore ? (c.HealthRank < StaleRank ? c.HealthRank : StaleRank) : c.HealthRank)
                : clusters.OrderBy(c => c.LastSyncAt == null || c.LastSyncAt < staleBefore ? (c.HealthRank < StaleRank ? c.HealthRank : StaleRank) : c.HealthRank),
        };
        return sorted.ThenBy(c => c.Name);
    }

    private const int StaleRank = 900;

    private static async Task<Cluster> FindAsync(PortalDbContext db, string name, CancellationToken ct) =>
        await db.Clusters.SingleOrDefaultAsync(c => c.Name == name, ct) ?? throw new NotFoundException($"No cluster named '{name}'.");

    private static string Describe(Cluster c) =>
        $"env={c.Environment} region={c.Region} zone={c.Zone} tier={c.Tier} labels={string.Join(",", c.Labels.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}"))}";

    private ClusterDetails ToDetails(Cluster c) => new(ToSummary(c, time.GetUtcNow()), c.ApiEndpoint, c.KubeconfigContext, c.CreatedAt);

    internal static ClusterSummary ToSummary(Cluster c, DateTimeOffset now) => new(
        c.Name, c.Environment, c.Region, c.Zone, c.Tier, c.Status,
        ClusterRules.Describe(c.Status, c.NodesTotal, c.NodesReady, c.LastSyncAt, c.LastError, now),
        ClusterRules.IsStale(c.LastSyncAt, now),
        c.NodesTotal, c.NodesReady, c.KubernetesVersion, c.ApiLatencyMs, c.LastSyncAt, c.LastError, c.Labels);
}
