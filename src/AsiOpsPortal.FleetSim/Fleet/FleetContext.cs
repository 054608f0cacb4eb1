using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace AsiOpsPortal.FleetSim.Fleet;

/// <summary>What every cluster of one simulator shares, and the clusters themselves.</summary>
internal sealed partial class FleetContext(FleetSimOptions options)
{
    private readonly ConcurrentDictionary<string, SimCluster> byName = new(StringComparer.Ordinal);
    private readonly List<SimCluster> ordered = [];
    private IReadOnlyList<SimClusterInfo>? infos;

    public FleetSimOptions Options { get; } = options;
    public string BaseUrl { get; set; } = "";

    /// <summary>PEM of the certificate served for https, the CA in every kubeconfig.</summary>
    public string CertificateAuthority { get; set; } = "";
    public ConvergenceScheduler Scheduler { get; } = new();
    public RequestLog Requests { get; } = new(100_000);

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SimCluster? cluster) =>
        byName.TryGetValue(name, out cluster);

    public SimCluster Get(string name) =>
        byName.TryGetValue(name, out var cluster) ? cluster : throw new KeyNotFoundException($"No simulated cluster named '{name}'.");

    public SimCluster Add(ClusterPlan plan)
    {
        var cluster = new SimCluster(plan, this);
        lock (ordered)
        {
            if (!byName.TryAdd(plan.Info.Name, cluster)) throw new InvalidOperationException($"Cluster '{plan.Info.Name}' already exists.");
            ordered.Add(cluster);
            infos = null;
        }
        return cluster;
    }

    /// <summary>A full cluster added at runtime; its kubeconfig is written if the fleet writes kubeconfigs.</summary>
    public SimCluster AddCluster(string name, string environment, string region, string zone, int tier, int nodes)
    {
        if (!DnsLabel().IsMatch(name)) throw new ArgumentException($"'{name}' is not a valid cluster name (lowercase DNS label).", nameof(name));
        ArgumentOutOfRangeException.ThrowIfNegative(nodes);
        var cluster = Add(FleetPlans.Added(Options.Seed, name, environment, region, zone, tier, nodes));
        if (Options.KubeconfigDirectory is { } directory)
        {
            Kubeconfigs.Write(directory, this, cluster);
            Kubeconfigs.WriteIndex(directory, All);
        }
        return cluster;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    public IReadOnlyList<SimCluster> All
    {
        get { lock (ordered) return ordered.ToArray(); }
    }

    /// <summary>Cached: with ten thousand clusters, callers that read Clusters in a loop should not copy it each time.</summary>
    public IReadOnlyList<SimClusterInfo> Infos
    {
        get { lock (ordered) return infos ??= ordered.Select(c => c.Info).ToArray(); }
    }
}

/// <summary>
/// Drives workload convergence for clusters that have a rollout in flight, so watchers see it happen without polling.
/// Idle clusters are not in the set and cost nothing; requests also tick their cluster, so reads are never stale.
/// </summary>
internal sealed class ConvergenceScheduler : IAsyncDisposable
{
    private readonly ConcurrentDictionary<SimCluster, byte> pending = new();
    private readonly CancellationTokenSource stop = new();
    private Task? loop;

    public void Wake(SimCluster cluster) => pending.TryAdd(cluster, 0);

    public void Start() => loop = Task.Run(RunAsync);

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                foreach (var cluster in pending.Keys)
                {
                    if (cluster.State.Tick()) continue;
                    pending.TryRemove(cluster, out _);
                    if (cluster.State.HasTimers) Wake(cluster); // scheduled between the tick and the removal
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (loop is not null) await loop;
        stop.Dispose();
    }
}

/// <summary>The last N API requests of the whole fleet, oldest first.</summary>
internal sealed class RequestLog(int capacity)
{
    private readonly Queue<SimRequest> entries = new();
    private readonly Lock gate = new();

    public void Add(SimRequest request)
    {
        lock (gate)
        {
            entries.Enqueue(request);
            if (entries.Count > capacity) entries.Dequeue();
        }
    }

    public IReadOnlyList<SimRequest> Snapshot(string? cluster)
    {
        lock (gate) return entries.Where(e => cluster is null || e.Cluster == cluster).ToList();
    }

    public void Clear()
    {
        lock (gate) entries.Clear();
    }
}
