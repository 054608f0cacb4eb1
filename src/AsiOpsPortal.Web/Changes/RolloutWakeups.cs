using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Kubernetes;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Changes;

/// <summary>One step's workloads to watch after its rollout let its worker go, when the step's deadline comes, and since when its runner watched.</summary>
public sealed record StepWatch(ClusterTarget Target, IReadOnlyList<ObjectRef> Workloads, DateTimeOffset Deadline, DateTimeOffset Since);

/// <summary>
/// Watches converging workloads without a Hangfire worker: a rollout that waits on its clusters lets its worker go and
/// is woken here as soon as one of its steps' workloads converge (or a step's deadline comes). It only watches and wakes;
/// the rollout job that wakes records the outcome from the step rows, so a watch lost with the process costs only time:
/// the watchdog restarts the rollout once its park (the step's deadline) has passed.
/// </summary>
public sealed class RolloutWakeups(IDbContextFactory<PortalDbContext> dbFactory, IClusterClient clusters, RolloutQueue rolloutQueue,
    IHostApplicationLifetime lifetime, TimeProvider time, ILogger<RolloutWakeups> log)
{
    /// <summary>A watch request stays short, as the runner's own do; it is renewed until the deadline.</summary>
    private static readonly TimeSpan WatchWindow = TimeSpan.FromSeconds(30);

    /// <summary>Starts watching in the background and returns at once; the change's job is enqueued when the first step is done waiting.</summary>
    public void WakeWhenConverged(long changeId, IReadOnlyList<StepWatch> watches) => _ = WatchAsync(changeId, watches);

    private async Task WatchAsync(long changeId, IReadOnlyList<StepWatch> watches)
    {
        var stopping = lifetime.ApplicationStopping;
        try
        {
            using var first = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            await Task.WhenAny(watches.Select(w => ConvergedOrDueAsync(w, first.Token)));
            await first.CancelAsync();
        }
        catch (Exception e) when (!stopping.IsCancellationRequested)
        {
            log.LogWarning(e, "Watching the clusters of change {ChangeId} failed; waking its rollout now", changeId);
        }
        if (stopping.IsCancellationRequested) return;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(stopping);
            await RolloutRunner.MarkDueAsync(db, [changeId], time.GetUtcNow(), stopping);
            rolloutQueue.Start(changeId);
        }
        catch (Exception e) when (!stopping.IsCancellationRequested)
        {
            log.LogWarning(e, "Could not wake the rollout of change {ChangeId}; the watchdog restarts it after its step's deadline", changeId);
        }
    }

    private async Task ConvergedOrDueAsync(StepWatch watch, CancellationToken ct)
    {
        foreach (var workload in watch.Workloads)
        {
            while (true)
            {
                var left = watch.Deadline - time.GetUtcNow();
                if (left <= TimeSpan.Zero) return;
                try
                {
                    var live = await clusters.WatchObjectAsync(watch.Target, workload, l => ConvergenceRules.Evaluate(l).Done,
                        left < WatchWindow ? left : WatchWindow, ct);
                    if (ConvergenceRules.Evaluate(live).Done) break;
                }
                catch (ClusterCallException)
                {
                    return; // the runner looks at the cluster itself and says what is wrong
                }
            }
        }
    }
}
