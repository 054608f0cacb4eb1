using System.Collections.Concurrent;

namespace AsiOpsPortal.FleetSim.Fleet;

/// <summary>What every cluster of one simulator shares.</summary>
internal sealed class FleetContext(FleetSimOptions options)
{
    public FleetSimOptions Options { get; } = options;
    public ConvergenceScheduler Scheduler { get; } = new();
    public RequestLog Requests { get; } = new(100_000);
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
