using System.Text.Json;
using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Kubernetes;
using AsiOpsPortal.Tests.Shared;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Clusters;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace AsiOpsPortal.Benchmarks;

/// <summary>
/// The dashboard's default cluster list (prod, trouble first, 25 a page) over 10,000 clusters and 500,000 nodes:
/// ClusterService.QueryAsync against the same two statements sent by hand through Npgsql.
/// </summary>
public sealed class ClusterListScenario : IScenario
{
    public string Name => "cluster-list-10k";
    public string Description => "ClusterService.QueryAsync (prod, health order, 25 rows) over 10k clusters / 500k nodes vs raw SQL";

    private sealed record Size(int Clusters, int Nodes, int Warmup, int Runs);

    private static readonly string[] Environments = ["test", "staging", "prod"];
    private static readonly string[] Regions =
        ["cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-zhangjiakou", "cn-wulanchabu", "ap-southeast-1", "eu-central-1"];
    private static readonly string[] Versions = ["v1.30.8", "v1.31.4", "v1.31.5", "v1.32.1", "v1.32.3"];

    public async Task RunAsync(Scale scale, Figures figures)
    {
        var size = scale == Scale.Full ? new Size(10_000, 500_000, 20, 200) : new Size(300, 3_000, 3, 20);
        await using var db = await TestPostgres.CreateAsync("bench cluster list 10k");
        var now = DateTimeOffset.UtcNow;
        Figures.Note($"{Name}: loading {size.Clusters:N0} clusters and {size.Nodes:N0} nodes");
        await LoadFleetAsync(db.ConnectionString, size, now);

        var audit = new AuditLog(db.ContextFactory(), TimeProvider.System);
        var service = new ClusterService(db.ContextFactory(), new KubernetesClusterClient(Options.Create(new ClusterClientOptions())),
            new KubeconfigProtector(new EphemeralDataProtectionProvider()), audit, new AuditedWrite(audit),
            new RefusingJobClient(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<ClusterService>.Instance);
        var query = new ClusterQuery(Environment: "prod", Sort: ClusterSort.Health, PageSize: 25);
        await using var dataSource = NpgsqlDataSource.Create(db.ConnectionString);

        var expected = await service.QueryAsync(query);
        var raw = await RawQueryAsync(dataSource, query, now - ClusterRules.StaleAfter);
        if (expected.Total != raw.Total || !expected.Items.Select(c => c.Name).SequenceEqual(raw.Names))
            throw new InvalidOperationException($"The raw SQL baseline does not return what QueryAsync returns ({raw.Total} vs {expected.Total} rows): it measures something else.");

        await NoteQueryPlanAsync(dataSource, query, now - ClusterRules.StaleAfter);

        Figures.Note($"{Name}: {size.Warmup} warm-up and {size.Runs} measured runs of each");
        var portal = new Latency();
        var baseline = new Latency();
        for (var i = 0; i < size.Warmup + size.Runs; i++)
        {
            var measured = i >= size.Warmup;
            // Alternate which goes first so neither always runs on a cache the other just warmed.
            var staleBefore = DateTimeOffset.UtcNow - ClusterRules.StaleAfter;
            Func<Task> viaService = () => service.QueryAsync(query);
            Func<Task> viaSql = () => RawQueryAsync(dataSource, query, staleBefore);
            foreach (var (latency, run) in i % 2 == 0 ? [(portal, viaService), (baseline, viaSql)] : new[] { (baseline, viaSql), (portal, viaService) })
            {
                if (measured) await latency.TimeAsync(run);
                else await run();
            }
        }

        figures.Add("p50", portal.Percentile(50), "ms");
        figures.Add("p95", portal.Percentile(95), "ms", "<= 100");
        figures.Add("raw_sql_p50", baseline.Percentile(50), "ms");
        figures.Add("raw_sql_p95", baseline.Percentile(95), "ms");
        figures.Add("p95_over_raw_sql", portal.Percentile(95) / baseline.Percentile(95), "ratio", "<= 3");
    }

    private sealed record RawPage(int Total, List<string> Names);

    private const string PageSql = """
            SELECT "Id", "Name", "ApiEndpoint", "Environment", "Region", "Zone", "Tier", "Labels", "EncryptedKubeconfig", "KubeconfigContext",
                   "KubernetesVersion", "Status", "NodesTotal", "NodesReady", "ApiLatencyMs", "LastSyncAt", "LastError", "CreatedAt", "HealthRank"
            FROM clusters
            WHERE "Environment" = @environment
            ORDER BY CASE WHEN "LastSyncAt" IS NULL OR "LastSyncAt" < @staleBefore
                          THEN CASE WHEN "HealthRank" < 900 THEN "HealthRank" ELSE 900 END
                          ELSE "HealthRank" END, "Name"
            LIMIT @limit OFFSET @offset
            """;

    /// <summary>
    /// What QueryAsync sends, written by hand: the count, then the page with every column (EF materialises whole
    /// entities), each row read into values as a mapper would.
    /// </summary>
    private static async Task<RawPage> RawQueryAsync(NpgsqlDataSource dataSource, ClusterQuery query, DateTimeOffset staleBefore)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        int total;
        await using (var count = new NpgsqlCommand("""SELECT count(*)::int FROM clusters WHERE "Environment" = @environment""", connection))
        {
            count.Parameters.AddWithValue("environment", query.Environment!);
            total = (int)(await count.ExecuteScalarAsync())!;
        }
        await using var page = new NpgsqlCommand(PageSql, connection);
        page.Parameters.AddWithValue("environment", query.Environment!);
        page.Parameters.AddWithValue("staleBefore", staleBefore);
        page.Parameters.AddWithValue("limit", query.PageSize);
        page.Parameters.AddWithValue("offset", query.Page * query.PageSize);
        var names = new List<string>(query.PageSize);
        await using var reader = await page.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(1));
            for (var column = 0; column < reader.FieldCount; column++)
                if (!reader.IsDBNull(column)) _ = reader.GetValue(column);
            _ = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(7));
        }
        return new RawPage(total, names);
    }

    private sealed record SeedCluster(
        Guid Id, string Name, string Environment, string Region, string Zone, int Tier, string Version, ClusterStatus Status, DateTimeOffset? LastSyncAt)
    {
        public int Nodes { get; set; }
        public int Ready { get; set; }
    }

    /// <summary>The page query's plan on stderr, to read the figures by.</summary>
    private static async Task NoteQueryPlanAsync(NpgsqlDataSource dataSource, ClusterQuery query, DateTimeOffset staleBefore)
    {
        await using var explain = dataSource.CreateCommand("EXPLAIN (ANALYZE, BUFFERS) " + PageSql);
        explain.Parameters.AddWithValue("environment", query.Environment!);
        explain.Parameters.AddWithValue("staleBefore", staleBefore);
        explain.Parameters.AddWithValue("limit", query.PageSize);
        explain.Parameters.AddWithValue("offset", query.Page * query.PageSize);
        var plan = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        Figures.Note("page query plan:\n  " + string.Join("\n  ", plan));
    }

    /// <summary>A seeded, varied fleet written with binary COPY, then ANALYZEd so the planner sees it as a live database would.</summary>
    private static async Task LoadFleetAsync(string connectionString, Size size, DateTimeOffset now)
    {
        var random = new Random(42);
        var clusters = Enumerable.Range(0, size.Clusters).Select(i =>
        {
            var environment = Environments[random.Next(Environments.Length)];
            var region = Regions[random.Next(Regions.Length)];
            var status = random.Next(100) switch
            {
                < 3 => ClusterStatus.Unreachable,
                < 12 => ClusterStatus.Degraded,
                < 15 => ClusterStatus.Unknown,
                _ => ClusterStatus.Healthy,
            };
            // Most synced within the last two minutes, a few stale (older than 15 minutes), the never-synced without a time.
            DateTimeOffset? lastSync = status == ClusterStatus.Unknown ? null
                : now - TimeSpan.FromSeconds(random.Next(100) < 5 ? random.Next(16 * 60, 6 * 3600) : random.Next(0, 120));
            return new SeedCluster(Guid.NewGuid(), $"{environment}-{region}-{i:D5}", environment, region, $"{region}-{(char)('a' + random.Next(3))}",
                environment switch { "prod" => random.Next(2), "staging" => 2, _ => 3 }, Versions[random.Next(Versions.Length)], status, lastSync);
        }).ToList();
        // Never-synced clusters have no nodes yet; the others share the node total.
        var synced = clusters.Where(c => c.Status != ClusterStatus.Unknown).ToList();
        var counts = SplitEvenly(random, size.Nodes, synced.Count);
        for (var i = 0; i < synced.Count; i++)
        {
            var c = synced[i];
            c.Nodes = counts[i];
            c.Ready = c.Status == ClusterStatus.Degraded ? c.Nodes - 1 - random.Next(Math.Max(1, c.Nodes / 4)) : c.Nodes;
        }
        // About the size of a Data Protection ciphertext of a real kubeconfig: QueryAsync reads it with every row.
        var ciphertext = Convert.ToBase64String(Enumerable.Range(0, 1200).Select(i => (byte)i).ToArray());

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var copy = await connection.BeginBinaryImportAsync("""
            COPY clusters ("Id", "Name", "ApiEndpoint", "Environment", "Region", "Zone", "Tier", "Labels", "EncryptedKubeconfig", "KubeconfigContext",
                           "KubernetesVersion", "Status", "NodesTotal", "NodesReady", "ApiLatencyMs", "LastSyncAt", "LastError", "CreatedAt", "HealthRank")
            FROM STDIN (FORMAT BINARY)
            """))
        {
            foreach (var c in clusters)
            {
                copy.StartRow();
                copy.Write(c.Id, NpgsqlDbType.Uuid);
                copy.Write(c.Name, NpgsqlDbType.Varchar);
                copy.Write($"https://{c.Name}.k8s.example.internal:6443", NpgsqlDbType.Text);
                copy.Write(c.Environment, NpgsqlDbType.Varchar);
                copy.Write(c.Region, NpgsqlDbType.Varchar);
                copy.Write(c.Zone, NpgsqlDbType.Varchar);
                copy.Write(c.Tier, NpgsqlDbType.Integer);
                copy.Write($$"""{"team":"team-{{random.Next(40)}}","fleet":"bench"}""", NpgsqlDbType.Jsonb);
                copy.Write(ciphertext, NpgsqlDbType.Text);
                copy.Write(c.Name, NpgsqlDbType.Text);
                copy.Write(c.Version, NpgsqlDbType.Text);
                copy.Write(c.Status.ToString(), NpgsqlDbType.Varchar);
                copy.Write(c.Nodes, NpgsqlDbType.Integer);
                copy.Write(c.Ready, NpgsqlDbType.Integer);
                if (c.LastSyncAt is null) copy.WriteNull(); else copy.Write(random.Next(2, 80), NpgsqlDbType.Integer);
                if (c.LastSyncAt is { } at) copy.Write(at, NpgsqlDbType.TimestampTz); else copy.WriteNull();
                if (c.Status == ClusterStatus.Unreachable) copy.Write($"{c.Name}: cannot connect (ConnectionRefused).", NpgsqlDbType.Text); else copy.WriteNull();
                copy.Write(now - TimeSpan.FromDays(random.Next(30, 900)), NpgsqlDbType.TimestampTz);
                copy.Write(ClusterRules.HealthRank(c.Status, c.Nodes, c.Ready), NpgsqlDbType.Integer);
            }
            await copy.CompleteAsync();
        }

        await using (var copy = await connection.BeginBinaryImportAsync("""
            COPY nodes ("ClusterId", "Name", "Pool", "Ready", "Schedulable", "KubeletVersion", "Conditions", "Labels", "SyncedAt")
            FROM STDIN (FORMAT BINARY)
            """))
        {
            var readyConditions = JsonSerializer.Serialize(new[] { new NodeCondition("Ready", "True", "KubeletReady", "kubelet is posting ready status") });
            var notReadyConditions = JsonSerializer.Serialize(new[] { new NodeCondition("Ready", "False", "KubeletNotReady", "container runtime network not ready") });
            foreach (var c in synced)
            {
                for (var n = 0; n < c.Nodes; n++)
                {
                    var node = $"{c.Name}-node-{n:D4}";
                    var pool = n % 10 == 0 ? "system" : "general";
                    var ready = n >= c.Nodes - c.Ready;
                    copy.StartRow();
                    copy.Write(c.Id, NpgsqlDbType.Uuid);
                    copy.Write(node, NpgsqlDbType.Text);
                    copy.Write(pool, NpgsqlDbType.Text);
                    copy.Write(ready, NpgsqlDbType.Boolean);
                    copy.Write(n % 97 != 1, NpgsqlDbType.Boolean);
                    copy.Write(c.Version, NpgsqlDbType.Text);
                    copy.Write(ready ? readyConditions : notReadyConditions, NpgsqlDbType.Jsonb);
                    copy.Write($$"""{"kubernetes.io/hostname":"{{node}}","asiops.io/pool":"{{pool}}"}""", NpgsqlDbType.Jsonb);
                    copy.Write(now, NpgsqlDbType.TimestampTz);
                }
            }
            await copy.CompleteAsync();
        }

        await using var analyze = new NpgsqlCommand("ANALYZE clusters; ANALYZE nodes;", connection);
        await analyze.ExecuteNonQueryAsync();
    }

    /// <summary><paramref name="total"/> split into <paramref name="parts"/> varied positive counts that add up exactly.</summary>
    private static int[] SplitEvenly(Random random, int total, int parts)
    {
        var mean = total / parts;
        var counts = Enumerable.Range(0, parts).Select(_ => Math.Max(1, mean / 2 + random.Next(mean + 1))).ToArray();
        var difference = total - counts.Sum();
        for (var i = 0; difference != 0; i = (i + 1) % parts)
        {
            var step = Math.Sign(difference);
            if (counts[i] + step < 1) continue;
            counts[i] += step;
            difference -= step;
        }
        return counts;
    }
}
