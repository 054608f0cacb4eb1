using AsiOpsPortal.Web.Infrastructure;
using Hangfire;

namespace AsiOpsPortal.Web.Changes;

/// <summary>Hangfire's entry point: safe to run twice, since the runner takes the change's lock and steps only move forward.</summary>
public sealed class RolloutJob(RolloutRunner runner)
{
    // No Hangfire retry: a rollout that stops unexpectedly is picked up again by the watchdog, which knows whether
    // another worker still drives it.
    [AutomaticRetry(Attempts = 0)]
    [Queue(HangfireQueues.Rollouts)]
    public Task RunAsync(long changeId, CancellationToken ct) => runner.RunAsync(changeId, ct);
}

/// <summary>Wakes a rollout up by enqueueing its job; with <see cref="QueuedRollouts"/>, the only place that knows rollouts run on Hangfire.</summary>
public sealed class RolloutQueue(IBackgroundJobClient jobs)
{
    public void Start(long changeId) => jobs.Enqueue<RolloutJob>(job => job.RunAsync(changeId, CancellationToken.None));

    public void StartAt(long changeId, DateTimeOffset at) => jobs.Schedule<RolloutJob>(job => job.RunAsync(changeId, CancellationToken.None), at);
}

/// <summary>What the watchdog must not wake twice: rollouts whose job already waits in the queue for a worker.</summary>
public sealed class QueuedRollouts(JobStorage storage)
{
    /// <summary>The changes whose rollout job waits in the queue for a worker: woken already, however long the queue.</summary>
    public IReadOnlySet<long> Now() =>
        storage.GetMonitoringApi().EnqueuedJobs(HangfireQueues.Rollouts, 0, int.MaxValue)
            .Select(j => j.Value.Job?.Args.FirstOrDefault()).OfType<long>().ToHashSet();
}
